// The NeuroJIT model language.
//
// Statements need no terminator: every member starts with a keyword, a
// derivative `dX/dt`, or `name =`, so an expression ends where the next member
// begins. `;` may separate members on one line.
//
// A number may carry a unit written right after it: `-65 mV`, `120 mS/cm^2`.
// The unit starts with a known unit symbol; a compound unit is written without
// spaces (`mS/cm^2`), so `10 mV / tau` divides by the variable `tau`.
grammar NeuroJIT;

@parser::header {
#include "compiler/units/unit_table.hpp"
}

@parser::members {
  // True when the next token touches the previous one (no space between).
  bool nextIsAdjacent() {
    auto *prev = _input->LT(-1);
    auto *next = _input->LT(1);
    return prev != nullptr && next != nullptr &&
           prev->getStopIndex() + 1 == next->getStartIndex();
  }
  // `from "pairs.csv"` after a connection's synapse: `from` is not a keyword, so it stays
  // usable as a name.
  bool nextIsFromString() {
    return _input->LT(1)->getText() == "from" && _input->LT(2)->getType() == STRING;
  }
  bool nextIsUnitSymbol(int k = 1) {
    return nj::units::isUnitSymbol(_input->LT(k)->getText());
  }
}

file : (importDecl | modelDecl | functionDecl | SEMI)* EOF ;

importDecl : IMPORT STRING ;

modelDecl
  : kind=(NEURON | SYNAPSE) name=ID LBRACE member* RBRACE   # modelDef
  | NETWORK name=ID LBRACE networkItem* RBRACE              # networkDef
  ;

// ---------------------------------------------------------------- members
member
  : PARAMETERS LBRACE (paramDecl | SEMI)* RBRACE                      # parametersBlock
  | STATE storage? LBRACE (stateDecl | SEMI)* RBRACE                  # stateBlock
  | INPUT ID (COLON unit)?                                            # inputDecl
  | functionDecl                                                      # functionMember
  | DERIV ASSIGN expr (UNLESS REFRACTORY)?                            # odeDecl
  | ID ASSIGN expr                                                    # definitionDecl
  | SPIKE expr                                                        # spikeDecl
  | RESET LBRACE (assignment | SEMI)* RBRACE                          # resetBlock
  | REFRACTORY expr                                                   # refractoryDecl
  | event=(ON_PRE | ON_POST) LBRACE (assignment | SEMI)* RBRACE       # eventBlock
  | CURRENT POST DOT ID PLUS_ASSIGN expr                              # currentDecl
  | SEMI                                                              # emptyMember
  ;

storage : PER where=(POST | PRE | SYNAPSE) ;

paramDecl : ID (COLON unit)? ASSIGN expr ;
stateDecl : ID (COLON unit)? ASSIGN expr ;

functionDecl : FUNCTION name=ID LPAREN (ID (COMMA ID)*)? RPAREN ASSIGN expr ;

assignment : target=qualifiedName op=(ASSIGN | PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | SLASH_ASSIGN) expr ;

qualifiedName : (scope=(PRE | POST) DOT)? ID ;

// ---------------------------------------------------------------- networks
networkItem
  : PARAMETERS LBRACE (paramDecl | SEMI)* RBRACE                       # networkParameters
  | name=ID ASSIGN model=ID LPAREN size=expr (COMMA namedArg)* RPAREN
      (WITH runOption (COMMA runOption)*)?
      (LBRACE (namedArg | SEMI)* RBRACE)?                              # groupDecl
  | CONNECT pre=ID ARROW ID (COMMA ID)* synapseUse
      ({nextIsFromString()}? from=ID path=STRING)?
      (WITH connectOption (COMMA connectOption)*)?                     # connectDecl
  | INPUT target=ID DOT ID (ASSIGN | PLUS_ASSIGN) expr                 # stimulusDecl
  | MONITOR ID (COMMA ID)* OF pre=ID ARROW post=ID
      (LBRACK lo=expr COLON hi=expr RBRACK)? (EVERY expr)?             # synapseMonitor
  | MONITOR ID (COMMA ID)* OF selection (EVERY expr)?                  # stateMonitor
  | MONITOR kind=ID LPAREN selection (COMMA selection)* RPAREN
      (EVERY expr)?                                                    # eventMonitor
  | RUN expr (WITH runOption (COMMA runOption)*)?                     # runDecl
  | SEMI                                                               # emptyItem
  ;

synapseUse : model=ID (LPAREN (namedArg (COMMA namedArg)*)? RPAREN)? ;
// A list or a string only where a built-in asks for one (SpikeGenerator's indices and times,
// a file name); the checker refuses them elsewhere.
namedArg : ID ASSIGN (expr | valueList | STRING) ;
valueList : LBRACK (expr (COMMA expr)*)? RBRACK ;
connectOption : ID (ASSIGN expr)? ;
runOption : ID ASSIGN expr ;
selection : group=ID (LBRACK lo=expr COLON hi=expr RBRACK)? ;

// ---------------------------------------------------------------- expressions
// Precedence, loosest first: conditional, or, and, not, comparison,
// additive, multiplicative, unary minus, power (right-assoc), postfix.
expr
  : then=orExpr IF cond=orExpr ELSE otherwise=expr     # conditional
  | orExpr                                              # plain
  ;

orExpr  : andExpr (OR andExpr)* ;
andExpr : notExpr (AND notExpr)* ;
notExpr : NOT notExpr | comparison ;
comparison : additive (op=(LT | LE | GT | GE | EQ | NE) additive)? ;
additive : multiplicative (op+=(PLUS | MINUS) multiplicative)* ;
multiplicative : unary (op+=(STAR | SLASH) unary)* ;
unary : op=(MINUS | PLUS) unary | power ;
power : base=atom (CARET exponent=unary)? ;

atom
  : NUMBER ({nextIsUnitSymbol()}? unit)?               # numberAtom
  | callee=ID LPAREN (callArg (COMMA callArg)*)? RPAREN  # callAtom
  | qualifiedName                                       # nameAtom
  | LPAREN expr RPAREN                                  # parenAtom
  ;

// A list or a string argument is for the built-ins that take them (sections([values],
// [durations]), values("file.csv")); the checker refuses them anywhere else.
callArg : expr | valueList | STRING ;

// A unit after a number. Compound units are written without spaces.
unit : unitFactor ({nextIsAdjacent() && nextIsUnitSymbol(2)}? op+=(STAR | SLASH) unitFactor)* ;
unitFactor : ID ({nextIsAdjacent()}? CARET unitExponent)? ;
unitExponent : MINUS? NUMBER | LPAREN MINUS? NUMBER (SLASH NUMBER)? RPAREN ;

// ---------------------------------------------------------------- lexer
IMPORT     : 'import' ;
NEURON     : 'neuron' ;
SYNAPSE    : 'synapse' ;
NETWORK    : 'network' ;
PARAMETERS : 'parameters' ;
STATE      : 'state' ;
INPUT      : 'input' ;
FUNCTION   : 'function' ;
SPIKE      : 'spike' ;
RESET      : 'reset' ;
REFRACTORY : 'refractory' ;
UNLESS     : 'unless' ;
ON_PRE     : 'on_pre' ;
ON_POST    : 'on_post' ;
CURRENT    : 'current' ;
PER        : 'per' ;
PRE        : 'pre' ;
POST       : 'post' ;
CONNECT    : 'connect' ;
MONITOR    : 'monitor' ;
OF         : 'of' ;
EVERY      : 'every' ;
RUN        : 'run' ;
WITH       : 'with' ;
IF         : 'if' ;
ELSE       : 'else' ;
AND        : 'and' ;
OR         : 'or' ;
NOT        : 'not' ;

// `dV/dt` (spaces allowed around the slash) names the derivative of V.
DERIV : 'd' [a-zA-Z_] [a-zA-Z_0-9]* [ \t]* '/' [ \t]* 'dt' ;

NUMBER : DIGITS ('.' DIGITS?)? EXPONENT? | '.' DIGITS EXPONENT? ;
fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;

ID     : [a-zA-Z_] [a-zA-Z_0-9]* ;
STRING : '"' (~["\\\r\n] | '\\' .)* '"' ;
// A string that reaches the end of its line: reported as unterminated.
UNTERMINATED_STRING : '"' (~["\\\r\n] | '\\' .)* ;

ARROW        : '->' ;
PLUS_ASSIGN  : '+=' ;
MINUS_ASSIGN : '-=' ;
STAR_ASSIGN  : '*=' ;
SLASH_ASSIGN : '/=' ;
LE     : '<=' ;
GE     : '>=' ;
EQ     : '==' ;
NE     : '!=' ;
LT     : '<' ;
GT     : '>' ;
ASSIGN : '=' ;
PLUS   : '+' ;
MINUS  : '-' ;
STAR   : '*' ;
SLASH  : '/' ;
CARET  : '^' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACE : '{' ;
RBRACE : '}' ;
LBRACK : '[' ;
RBRACK : ']' ;
COMMA  : ',' ;
COLON  : ':' ;
SEMI   : ';' ;
DOT    : '.' ;

LINE_COMMENT  : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS            : [ \t\r\n]+ -> skip ;
// Any other character becomes a token the parser rejects with a message.
UNKNOWN_CHAR  : . ;

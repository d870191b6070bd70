// AST to model text. Printing a file and parsing the result gives the same
// AST (ignoring source ranges); `neurojit fmt` and the round-trip tests rely on it.
#pragma once

#include "compiler/syntax/ast.hpp"

#include <string>

namespace nj::syntax {

std::string printExpr(const Expr& e);
std::string printUnit(const UnitSpec& u);
std::string printModel(const Model& m);
std::string printNetwork(const Network& n);
std::string printFile(const File& f);

} // namespace nj::syntax

// \file IR expression -> LLVM IR, the one emitter behind every kernel (the group step kernel,
// emit_kernel.cpp, and the synapse event kernel, emit_synapse_kernel.cpp), so that all compute
// each node as the reference interpreter does (compiler/interp/evaluate.cpp, ir::applyFunction):
// left-to-right n-ary folds, no fast-math, a/b as a*(1/b), small integer powers as
// multiplications, exprel(u)^-1 as u/expm1(u), min/max/clip as minnum/maxnum, comparisons
// ordered except !=, booleans as i1 (a real is true when != 0). Private to the codegen layer.
//
// A kernel subclasses ExprEmitter and says two things: what a symbol is (`symbol`) and where a
// node's instructions go (`builderFor`, e.g. before the loop for loop-invariant nodes). Every
// node is emitted once per emitter (cached); a kernel that evaluates the same IR in two
// contexts (the group kernel's old and new state) uses one emitter per context.
//
// The floating-point type of every value is `real()`, chosen once at construction (double
// today; the kernels' storage type decides).
#pragma once

#include "compiler/ir/expr.hpp"

#include <unordered_map>

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

namespace nj::codegen {

class ExprEmitter {
public:
  ExprEmitter(llvm::Module& module, llvm::Type* real) : m_(module), real_(real) {}
  ExprEmitter(const ExprEmitter&) = delete;
  ExprEmitter& operator=(const ExprEmitter&) = delete;
  virtual ~ExprEmitter() = default;

  // The value of e: a `real()` or, for Bool nodes, an i1. Throws CodegenError.
  llvm::Value* expr(ir::Expr e);
  // e as a real (a boolean becomes 0 or 1) / as an i1 (a real is true when != 0).
  llvm::Value* real(ir::Expr e, llvm::IRBuilder<>& b) { return toReal(b, expr(e)); }
  llvm::Value* truth(ir::Expr e, llvm::IRBuilder<>& b) { return toTruth(b, expr(e)); }

  llvm::Value* toReal(llvm::IRBuilder<>& b, llvm::Value* v) const;
  llvm::Value* toTruth(llvm::IRBuilder<>& b, llvm::Value* v) const;

  llvm::Type* realType() const { return real_; }
  llvm::Constant* constant(double v) const;

  // exp and expm1 (also inside exprel) of a loop vectorized `vectorWidth` lanes wide as inline
  // vector IR (vector_math.hpp) instead of libmvec calls, where the element type has an inline
  // version and inlineMathFor(node) says so. Off by default.
  // vectorWidth: lanes of the loop the kernel's vectorizer will make (see vector_math.hpp).
  void setInlineMath(bool on, int vectorWidth = 1) {
    inlineMath_ = on;
    vectorWidth_ = vectorWidth;
  }

protected:
  // The value of a Symbol node; `b` is builderFor(e).
  virtual llvm::Value* symbol(ir::Expr e, llvm::IRBuilder<>& b) = 0;
  // Where the instructions of node e go.
  virtual llvm::IRBuilder<>& builderFor(ir::Expr e) = 0;
  // Whether node e's exp/expm1 are inline (e.g. only per-element ones: a value computed once
  // per call is cheaper and closer to the interpreter through libm).
  virtual bool inlineMathFor(ir::Expr) { return inlineMath_; }

private:
  llvm::Value* build(ir::Expr e, llvm::IRBuilder<>& b);
  llvm::Value* call(ir::Expr e, llvm::IRBuilder<>& b);
  llvm::Value* power(llvm::Value* x, ir::Expr exponent, llvm::IRBuilder<>& b);
  llvm::Value* exprel(llvm::Value* x, bool inlined, llvm::IRBuilder<>& b);
  llvm::Value* inverseExprel(llvm::Value* u, bool inlined, llvm::IRBuilder<>& b);
  llvm::Value* intrinsic(llvm::IRBuilder<>& b, llvm::Intrinsic::ID id,
                         std::initializer_list<llvm::Value*> args);
  llvm::Value* libm(llvm::IRBuilder<>& b, const char* name, llvm::Value* x);
  llvm::Value* exp(llvm::IRBuilder<>& b, llvm::Value* x, bool inlined);
  // zeroSelected: the caller replaces the value at x = ±0 (exprel), so its sign is free.
  llvm::Value* expm1(llvm::IRBuilder<>& b, llvm::Value* x, bool inlined, bool zeroSelected = false);

  llvm::Module& m_;
  llvm::Type* real_;
  bool inlineMath_ = false;
  int vectorWidth_ = 1;
  std::unordered_map<const ir::Node*, llvm::Value*> cache_;
};

} // namespace nj::codegen

#include "compiler/codegen/vector_math.hpp"

#include <string>

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>

namespace nj::codegen {

namespace {

using llvm::IRBuilder;
using llvm::Value;

// fdlibm's split of ln 2: ln2_hi has 32 trailing zero bits, so n·ln2_hi is exact for |n| < 2^21.
constexpr double kLog2e = 0x1.71547652b82fep0;
constexpr double kLn2Hi = 0x1.62e42fee00000p-1;
constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
// x + 1.5·2^52 rounds x (|x| < 2^51) to an integer, held in the low bits of the sum.
constexpr double kRoundMagic = 0x1.8p52;

// P(r) ≈ (expm1(r) - r)/r² on |r| <= ln2/2 + 1e-3, highest degree first: mpmath 1.3
// chebyfit(P, [-L, L], 10) at 50 digits, rounded to double; max relative error of
// r + r²·P(r) against expm1(r), evaluated exactly: 4.1e-17 (0.37 ulp).
constexpr double kP[] = {
    0x1.af39d92ab3282p-26, 0x1.28927c0646723p-22, 0x1.71de0d2e6e42bp-19, 0x1.a019b83d2cea4p-16,
    0x1.a01a01a7e5259p-13, 0x1.6c16c178c18a5p-10, 0x1.1111111110989p-7,  0x1.5555555553cd9p-5,
    0x1.5555555555556p-3,  0x1.0000000000001p-1,
};

// Emits the method on values of `real` (double or a vector of doubles).
struct Builder {
  IRBuilder<>& b;
  llvm::Module& m;
  llvm::Type* real;
  llvm::Type* i64 =
      real->isVectorTy()
          ? static_cast<llvm::Type*>(llvm::VectorType::get(llvm::Type::getInt64Ty(m.getContext()),
                                                           llvm::cast<llvm::VectorType>(real)))
          : llvm::Type::getInt64Ty(m.getContext());

  Value* c(double v) const { return llvm::ConstantFP::get(real, v); }
  Value* ci(std::int64_t v) const { return llvm::ConstantInt::get(i64, static_cast<uint64_t>(v)); }
  Value* fmuladd(Value* x, Value* y, Value* z) const {
    llvm::Function* f = llvm::Intrinsic::getDeclaration(&m, llvm::Intrinsic::fmuladd, {real});
    return b.CreateCall(f, {x, y, z});
  }
  // lo <= x <= hi by ordered compares: NaN passes through.
  Value* clamp(Value* x, double lo, double hi) const {
    x = b.CreateSelect(b.CreateFCmpOGT(x, c(hi)), c(hi), x);
    return b.CreateSelect(b.CreateFCmpOLT(x, c(lo)), c(lo), x);
  }
  // 2^k for -1022 <= k <= 1023, built from its exponent bits.
  Value* pow2(Value* k) const {
    return b.CreateBitCast(b.CreateShl(b.CreateAdd(k, ci(1023)), ci(52)), real);
  }

  struct Reduced {
    Value* n;     // i64: x = n·ln2 + r
    Value* expm1; // expm1(r)
  };
  // For |x| <= 1000 (or NaN, which gives a NaN expm1 and an arbitrary n).
  Reduced reduce(Value* x) const {
    Value* shifted = fmuladd(x, c(kLog2e), c(kRoundMagic));
    Value* n = b.CreateSub(b.CreateBitCast(shifted, i64), b.CreateBitCast(c(kRoundMagic), i64));
    Value* k = b.CreateFSub(shifted, c(kRoundMagic));
    Value* r = fmuladd(k, c(-kLn2Hi), x); // exact
    r = fmuladd(k, c(-kLn2Lo), r);
    Value* p = c(kP[0]);
    for (std::size_t i = 1; i < std::size(kP); ++i)
      p = fmuladd(p, r, c(kP[i]));
    return {n, fmuladd(b.CreateFMul(r, r), p, r)};
  }
};

using Body = Value* (*)(const Builder&, Value*);

// An internal always-inline function `type f(type)` of m (made once, then reused).
llvm::Function* define(llvm::Module& m, llvm::Type* type, const std::string& name, Body body) {
  if (llvm::Function* f = m.getFunction(name)) return f;
  auto* fnType = llvm::FunctionType::get(type, {type}, false);
  llvm::Function* f = llvm::Function::Create(fnType, llvm::Function::InternalLinkage, name, m);
  f->addFnAttr(llvm::Attribute::AlwaysInline);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  f->addFnAttr(llvm::Attribute::WillReturn);
  f->setDoesNotAccessMemory();
  IRBuilder<> b(llvm::BasicBlock::Create(m.getContext(), "entry", f));
  b.CreateRet(body(Builder{b, m, type}, f->getArg(0)));
  return f;
}

// exp(x) = 2^a·(2^b·(1 + expm1(r))), a + b = n: both factors normal for |x| <= 1000, so a
// result near overflow or in the subnormal range is rounded once. exp(±1000) = inf, 0. (Adding
// b to the exponent field instead of multiplying would turn a NaN into a number.)
Value* expBody(const Builder& g, Value* x) {
  IRBuilder<>& b = g.b;
  Value* xc = g.clamp(x, -1000.0, 1000.0);
  auto [n, expm1r] = g.reduce(xc);
  Value* a = b.CreateAShr(n, g.ci(1));
  Value* e = b.CreateFAdd(g.c(1.0), expm1r);
  return b.CreateFMul(b.CreateFMul(e, g.pow2(b.CreateSub(n, a))), g.pow2(a));
}

// expm1(x) = 2^n·expm1(r) + (2^n - 1), one rounding where fused; 2^n - 1 is exact for
// |n| <= 53 and the dominant term beyond. x is clamped to [-60, 710]: below, the result rounds
// to -1 (e^-60 < 2^-54); above, it overflows (n = 1024: computed with 2^1023, then doubled).
// expm1(-0) = +0 here (r = -0 + +0); expm1Body fixes the sign.
Value* expm1NonzeroBody(const Builder& g, Value* x) {
  IRBuilder<>& b = g.b;
  Value* xc = g.clamp(x, -60.0, 710.0);
  auto [n, expm1r] = g.reduce(xc);
  Value* top = b.CreateICmpSGT(n, g.ci(1023));
  Value* t = g.pow2(b.CreateSelect(top, g.ci(1023), n));
  Value* r = g.fmuladd(t, expm1r, b.CreateFSub(t, g.c(1.0)));
  return b.CreateSelect(top, b.CreateFAdd(r, r), r); // r + r = 2r exactly, off the multipliers
}

Value* expm1Body(const Builder& g, Value* x) {
  Value* r = expm1NonzeroBody(g, x);
  return g.b.CreateSelect(g.b.CreateFCmpOEQ(x, g.c(0.0)), x, r);
}

Body bodyOf(MathFunction f) {
  switch (f) {
  case MathFunction::Exp:
    return expBody;
  case MathFunction::Expm1:
    return expm1Body;
  case MathFunction::Expm1Nonzero:
    return expm1NonzeroBody;
  }
  return nullptr;
}

const char* nameOf(MathFunction f) {
  switch (f) {
  case MathFunction::Exp:
    return "nj.exp";
  case MathFunction::Expm1:
    return "nj.expm1";
  case MathFunction::Expm1Nonzero:
    return "nj.expm1.nz";
  }
  return nullptr;
}

} // namespace

bool attachVectorMath(llvm::CallInst& call, MathFunction f, int vectorWidth) {
  llvm::Type* real = call.getType();
  if (!real->isDoubleTy() || vectorWidth <= 1) return false;
  llvm::Module& m = *call.getModule();
  const auto w = static_cast<unsigned>(vectorWidth);
  const std::string vectorName = fmt::format("{}.v{}f64", nameOf(f), w);
  llvm::Function* vector = define(m, llvm::FixedVectorType::get(real, w), vectorName, bodyOf(f));
  // Kept until the loop vectorizer has used it (inlineVectorMath then inlines and drops it).
  llvm::appendToCompilerUsed(m, {vector});
  llvm::VFABI::setVectorVariantNames(
      &call, {fmt::format("_ZGV_LLVM_N{}v_{}({})", w, call.getCalledFunction()->getName().str(),
                          vectorName)});
  return true;
}

void inlineVectorMath(llvm::Module& module) {
  if (llvm::GlobalVariable* used = module.getGlobalVariable("llvm.compiler.used"))
    used->eraseFromParent();
  llvm::SmallVector<llvm::CallBase*, 32> calls;
  for (llvm::Function& f : module)
    if (f.getName().startswith("nj.") && f.hasFnAttribute(llvm::Attribute::AlwaysInline))
      for (llvm::User* u : f.users())
        if (auto* call = llvm::dyn_cast<llvm::CallBase>(u)) calls.push_back(call);
  for (llvm::CallBase* call : calls) {
    llvm::InlineFunctionInfo info;
    llvm::InlineFunction(*call, info);
  }
  for (llvm::Function& f : llvm::make_early_inc_range(module)) {
    if (!f.getName().startswith("nj.")) continue;
    f.removeDeadConstantUsers(); // the erased llvm.compiler.used array
    if (f.use_empty()) f.eraseFromParent();
  }
}

} // namespace nj::codegen

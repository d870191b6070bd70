#include "compiler/codegen/vector_math.hpp"

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>

namespace nj::codegen {

namespace {

using llvm::IRBuilder;
using llvm::Value;

// What the method needs to know of a floating-point format.
struct Format {
  unsigned bits;             // of the float and of the integer type its bits are viewed as
  int mantissaBits;          // stored fraction bits
  int bias;                  // exponent bias: 2^k has exponent field k + bias, -bias < k <= bias
  double log2e;              // 1/ln 2 rounded to the format
  double ln2Hi;              // ln 2 split so that n·ln2Hi is exact for the n that occur
  double ln2Lo;              // ln 2 - ln2Hi, rounded to the format
  double roundMagic;         // x + 1.5·2^mantissaBits rounds x to an integer held in the low bits
  std::span<const double> p; // (expm1(r) - r)/r² on |r| <= ln2/2, highest degree first
  double expLimit;           // exp: |x| clamped to this (both scaling factors stay normal)
  double expm1Lo, expm1Hi;   // expm1: x clamped to [lo, hi] (-1 below, overflow above)
};

// float64: fdlibm's split of ln 2 (ln2_hi has 32 trailing zero bits, so n·ln2_hi is exact for
// |n| < 2^21). P: mpmath 1.3 chebyfit(P, [-L, L], 10), L = ln2/2 + 1e-3, at 50 digits, rounded
// to double; max relative error of r + r²·P(r) against expm1(r), evaluated exactly: 4.1e-17
// (0.37 ulp).
constexpr double kP64[] = {
    0x1.af39d92ab3282p-26, 0x1.28927c0646723p-22, 0x1.71de0d2e6e42bp-19, 0x1.a019b83d2cea4p-16,
    0x1.a01a01a7e5259p-13, 0x1.6c16c178c18a5p-10, 0x1.1111111110989p-7,  0x1.5555555553cd9p-5,
    0x1.5555555555556p-3,  0x1.0000000000001p-1,
};
constexpr Format kFloat64{64,
                          52,
                          1023,
                          0x1.71547652b82fep0,
                          0x1.62e42fee00000p-1,
                          0x1.a39ef35793c76p-33,
                          0x1.8p52,
                          kP64,
                          1000.0,
                          -60.0,
                          710.0};

// float32: fdlibm's expf split (ln2_hi = 0x1.62e4p-1 has 9 trailing zero bits in float: n·ln2_hi
// exact for |n| < 2^9). P: the Taylor coefficients 1/2!, ..., 1/8!; the first omitted term,
// r^9/9!, is 5e-10 of expm1(r) at |r| = ln2/2 (2^-24 = 6e-8).
constexpr double kP32[] = {1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5};
constexpr Format kFloat32{32,       23,   127,   0x1.715476p0, 0x1.62e4p-1, 0x1.7f7d1cp-20,
                          0x1.8p23, kP32, 150.0, -20.0,        89.0};

// Emits the method on values of `real` (a floating type or a vector of one) in format `f`.
struct Builder {
  IRBuilder<>& b;
  llvm::Module& m;
  llvm::Type* real;
  const Format& f;
  bool scalef = false; // real is a 512-bit vector and the target has AVX-512 (vscalefpd/ps)
  llvm::Type* integer =
      real->isVectorTy()
          ? static_cast<llvm::Type*>(llvm::VectorType::get(
                llvm::Type::getIntNTy(m.getContext(), f.bits), llvm::cast<llvm::VectorType>(real)))
          : llvm::Type::getIntNTy(m.getContext(), f.bits);

  Value* c(double v) const { return llvm::ConstantFP::get(real, v); }
  Value* ci(std::int64_t v) const {
    return llvm::ConstantInt::get(integer, static_cast<uint64_t>(v), /*isSigned=*/true);
  }
  Value* fmuladd(Value* x, Value* y, Value* z) const {
    llvm::Function* fn = llvm::Intrinsic::getDeclaration(&m, llvm::Intrinsic::fmuladd, {real});
    return b.CreateCall(fn, {x, y, z});
  }
  // lo <= x <= hi by ordered compares: NaN passes through.
  Value* clamp(Value* x, double lo, double hi) const {
    x = b.CreateSelect(b.CreateFCmpOGT(x, c(hi)), c(hi), x);
    return b.CreateSelect(b.CreateFCmpOLT(x, c(lo)), c(lo), x);
  }
  // 2^k for -bias < k <= bias, built from its exponent bits.
  Value* pow2(Value* k) const {
    return b.CreateBitCast(b.CreateShl(b.CreateAdd(k, ci(f.bias)), ci(f.mantissaBits)), real);
  }

  struct Reduced {
    Value* n;     // integer: x = n·ln2 + r
    Value* k;     // n as a floating-point number
    Value* r;     // x - n·ln2 (x itself where n = 0)
    Value* p;     // P(r): expm1(r) = r + r²·P(r)
    Value* expm1; // expm1(r)
  };
  // For x within the clamps (or NaN, which gives a NaN expm1 and an arbitrary n).
  Reduced reduce(Value* x) const {
    Value* shifted = fmuladd(x, c(f.log2e), c(f.roundMagic));
    Value* n =
        b.CreateSub(b.CreateBitCast(shifted, integer), b.CreateBitCast(c(f.roundMagic), integer));
    Value* k = b.CreateFSub(shifted, c(f.roundMagic));
    Value* r = fmuladd(k, c(-f.ln2Hi), x); // exact
    r = fmuladd(k, c(-f.ln2Lo), r);
    Value* r2 = b.CreateFMul(r, r);
    Value* p = estrin(r, r2);
    return {n, k, r, p, fmuladd(r2, p, r)};
  }
  // y·2^k for k integral, rounded once (AVX-512's vscalef: overflow to inf, underflow to the
  // subnormal y·2^k rounds to, as libm's exp; NaN stays NaN).
  Value* scale(Value* y, Value* k) const {
    const bool isDouble = f.bits == 64;
    llvm::Function* fn = llvm::Intrinsic::getDeclaration(
        &m, isDouble ? llvm::Intrinsic::x86_avx512_mask_scalef_pd_512
                     : llvm::Intrinsic::x86_avx512_mask_scalef_ps_512);
    Value* all = isDouble ? b.getInt8(0xff) : static_cast<Value*>(b.getInt16(0xffff));
    return b.CreateCall(fn, {y, k, llvm::UndefValue::get(real), all,
                             b.getInt32(4)}); // 4: the current rounding mode (to nearest)
  }
  // P(r) by Estrin's scheme: pairs a_k + a_{k+1}·r, then pairs of those with r², r⁴, …, so the
  // dependency chain is about log2(degree) fused operations long instead of Horner's degree
  // (4 instead of 9 in float64). A kernel with one exponential per neuron, like a
  // conductance-based LIF's exponential Euler, waits on that chain.
  Value* estrin(Value* r, Value* r2) const {
    std::vector<Value*> terms; // lowest degree first
    for (std::size_t k = f.p.size(); k >= 2; k -= 2)
      terms.push_back(fmuladd(c(f.p[k - 2]), r, c(f.p[k - 1])));
    if (f.p.size() % 2 == 1) terms.push_back(c(f.p[0]));
    for (Value* power = r2; terms.size() > 1;) {
      std::vector<Value*> next;
      for (std::size_t i = 0; i + 1 < terms.size(); i += 2)
        next.push_back(fmuladd(terms[i + 1], power, terms[i]));
      if (terms.size() % 2 == 1) next.push_back(terms.back());
      terms = std::move(next);
      if (terms.size() > 1) power = b.CreateFMul(power, power);
    }
    return terms.front();
  }
};

using Body = Value* (*)(const Builder&, Value*);

// An internal readnone function `type name(type, ...)` of m with `arity` parameters, made once:
// `fresh` when the caller must give it its body. Inlining: NoInline for a scalar function the loop
// vectorizer widens (inlineVectorMath inlines it after the pipeline), AlwaysInline for a vector
// version.
struct Declared {
  llvm::Function* f;
  bool fresh;
};
Declared declareInternal(llvm::Module& m, llvm::Type* type, unsigned arity, const std::string& name,
                         llvm::Attribute::AttrKind inlining) {
  if (llvm::Function* f = m.getFunction(name)) return {f, false};
  auto* fnType = llvm::FunctionType::get(type, std::vector<llvm::Type*>(arity, type), false);
  llvm::Function* f = llvm::Function::Create(fnType, llvm::Function::InternalLinkage, name, m);
  f->addFnAttr(inlining);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  f->addFnAttr(llvm::Attribute::WillReturn);
  f->setDoesNotAccessMemory();
  return {f, true};
}

// An internal always-inline function `type f(type)` of m (made once, then reused), for a caller
// compiled with `features` (its "target-features").
llvm::Function* define(llvm::Module& m, llvm::Type* type, const std::string& name, Body body,
                       llvm::StringRef features) {
  const auto [f, fresh] = declareInternal(m, type, 1, name, llvm::Attribute::AlwaysInline);
  if (!fresh) return f;
  IRBuilder<> b(llvm::BasicBlock::Create(m.getContext(), "entry", f));
  const Format& format = type->getScalarType()->isFloatTy() ? kFloat32 : kFloat64;
  Builder g{b, m, type, format};
  g.scalef = type->getPrimitiveSizeInBits().getFixedSize() == 512 && features.contains("+avx512f");
  b.CreateRet(body(g, f->getArg(0)));
  return f;
}

// exp(x) = 2^a·(2^b·(1 + expm1(r))), a + b = n: both factors normal for |x| <= expLimit (1000
// in double, 150 in float), so a result near overflow or in the subnormal range is rounded once;
// exp(±expLimit) = inf, 0. (Adding b to the exponent field instead of multiplying would turn a
// NaN into a number.)
Value* expBody(const Builder& g, Value* x) {
  IRBuilder<>& b = g.b;
  Value* xc = g.clamp(x, -g.f.expLimit, g.f.expLimit);
  const Builder::Reduced red = g.reduce(xc);
  Value* n = red.n;
  Value* expm1r = red.expm1;
  Value* e = b.CreateFAdd(g.c(1.0), expm1r);
  // One instruction instead of the two powers below: the same bits (e·2^n rounded once) with 7
  // fewer vector operations per exp. They count where the vector ports are the bound: an Intel
  // core issues 512-bit operations on two ports (HH 10k 7 % faster on a Xeon, session 32 in
  // docs/performance.md).
  if (g.scalef) return g.scale(e, red.k);
  Value* a = b.CreateAShr(n, g.ci(1));
  return b.CreateFMul(b.CreateFMul(e, g.pow2(b.CreateSub(n, a))), g.pow2(a));
}

// expm1(x) = 2^n·expm1(r) + (2^n - 1), one rounding where fused; 2^n - 1 is exact for
// |n| <= mantissaBits + 1 and the dominant term beyond. x is clamped to [-60, 710] in double
// ([-20, 89] in float): below, the result rounds to -1 (e^-60 < 2^-54, e^-20 < 2^-25); above,
// it overflows (n = bias + 1: computed with 2^bias, then doubled). expm1(-0) = +0 here
// (r = -0 + +0); expm1Body fixes the sign.
Value* expm1Scaled(const Builder& g, const Builder::Reduced& x) {
  IRBuilder<>& b = g.b;
  Value* top = nullptr;
  Value* t = nullptr;
  if (g.scalef) {
    top = b.CreateFCmpOGT(x.k, g.c(g.f.bias));
    t = g.scale(g.c(1.0), b.CreateSelect(top, g.c(g.f.bias), x.k));
  } else {
    top = b.CreateICmpSGT(x.n, g.ci(g.f.bias));
    t = g.pow2(b.CreateSelect(top, g.ci(g.f.bias), x.n));
  }
  Value* r = g.fmuladd(t, x.expm1, b.CreateFSub(t, g.c(1.0)));
  return b.CreateSelect(top, b.CreateFAdd(r, r), r); // r + r = 2r exactly, off the multipliers
}

Value* expm1NonzeroBody(const Builder& g, Value* x) {
  return expm1Scaled(g, g.reduce(g.clamp(x, g.f.expm1Lo, g.f.expm1Hi)));
}

Value* expm1Body(const Builder& g, Value* x) {
  Value* r = expm1NonzeroBody(g, x);
  return g.b.CreateSelect(g.b.CreateFCmpOEQ(x, g.c(0.0)), x, r);
}

// exprel(x) = expm1(x)/x. Where |x| < 0.34 (< ln2/2, so n = 0 and r = x) it is 1 + x·P(x): no
// scaling and no division (within 1 ulp: x·P(x) <= 0.19 carries P's 1e-16 relative error, then
// one rounding). When every lane is there (exponential Euler's dt·A of a conductance-based
// membrane always is) only that is computed, from x itself: a kernel whose next value waits on
// exprel waits for 5 multiply-adds, not the range reduction too. Otherwise every lane is reduced,
// and a lane near 0 takes 1 + r·P(r) with r = x, the same bits, so a neuron's value never depends
// on its neighbours' (and P is evaluated once: HH's gates take this path most steps). 1 at ±0,
// +inf at +inf, 0 at -inf, NaN for NaN, as ir::exprel.
Value* exprelBody(const Builder& g, Value* x) {
  IRBuilder<>& b = g.b;
  Value* small = b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x), g.c(0.34));
  llvm::BasicBlock* entry = b.GetInsertBlock();
  llvm::LLVMContext& context = entry->getContext();
  auto* nearOnly = llvm::BasicBlock::Create(context, "exprel.near", entry->getParent());
  auto* general = llvm::BasicBlock::Create(context, "exprel.general", entry->getParent());
  auto* done = llvm::BasicBlock::Create(context, "exprel.done", entry->getParent());
  b.CreateCondBr(g.real->isVectorTy() ? b.CreateAndReduce(small) : small, nearOnly, general);

  b.SetInsertPoint(nearOnly);
  Value* near = g.fmuladd(x, g.estrin(x, b.CreateFMul(x, x)), g.c(1.0));
  b.CreateBr(done);

  b.SetInsertPoint(general);
  const Builder::Reduced red = g.reduce(g.clamp(x, g.f.expm1Lo, g.f.expm1Hi));
  Value* far = b.CreateFDiv(expm1Scaled(g, red), x);
  far = b.CreateSelect(b.CreateFCmpOEQ(x, g.c(std::numeric_limits<double>::infinity())),
                       g.c(std::numeric_limits<double>::infinity()), far);
  far = b.CreateSelect(small, g.fmuladd(red.r, red.p, g.c(1.0)), far);
  b.CreateBr(done);

  b.SetInsertPoint(done);
  llvm::PHINode* result = b.CreatePHI(g.real, 2);
  result->addIncoming(near, nearOnly);
  result->addIncoming(far, general);
  return result;
}

Body bodyOf(MathFunction f) {
  switch (f) {
  case MathFunction::Exp:
    return expBody;
  case MathFunction::Expm1:
    return expm1Body;
  case MathFunction::Expm1Nonzero:
    return expm1NonzeroBody;
  case MathFunction::Exprel:
    return exprelBody;
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
  case MathFunction::Exprel:
    return "nj.exprel";
  }
  return nullptr;
}

} // namespace

llvm::CallInst* callScalarFunction(IRBuilder<>& b, const std::string& name, ScalarBody body,
                                   Value* x) {
  llvm::Module& m = *b.GetInsertBlock()->getModule();
  llvm::Type* type = x->getType();
  const std::string full =
      fmt::format("{}.f{}", name, type->getScalarType()->getPrimitiveSizeInBits().getFixedSize());
  const auto [f, fresh] = declareInternal(m, type, 1, full, llvm::Attribute::NoInline);
  if (fresh) {
    IRBuilder<> fb(llvm::BasicBlock::Create(m.getContext(), "entry", f));
    fb.CreateRet(body(fb, f->getArg(0)));
  }
  llvm::CallInst* call = b.CreateCall(f, {x});
  call->setDoesNotAccessMemory();
  return call;
}

bool attachVectorMath(llvm::CallInst& call, MathFunction f, int vectorWidth) {
  llvm::Type* real = call.getType();
  if (!(real->isDoubleTy() || real->isFloatTy()) || vectorWidth <= 1) return false;
  llvm::Module& m = *call.getModule();
  const auto w = static_cast<unsigned>(vectorWidth);
  const std::string vectorName =
      fmt::format("{}.v{}f{}", nameOf(f), w, real->getPrimitiveSizeInBits().getFixedSize());
  llvm::Function* vector =
      define(m, llvm::FixedVectorType::get(real, w), vectorName, bodyOf(f),
             call.getFunction()->getFnAttribute("target-features").getValueAsString());
  // Kept until the loop vectorizer has used it (inlineVectorMath then inlines and drops it).
  llvm::appendToCompilerUsed(m, {vector});
  llvm::VFABI::setVectorVariantNames(
      &call, {fmt::format("_ZGV_LLVM_N{}v_{}({})", w, call.getCalledFunction()->getName().str(),
                          vectorName)});
  return true;
}

namespace {

// ir::guardedSharedMember's value of one lane (or every lane, branch-free).
Value* sharedMemberValue(IRBuilder<>& b, ir::SharedMember kind, Value* u, Value* common,
                         Value* small, Value* infinite) {
  llvm::Type* real = u->getType();
  llvm::Module& m = *b.GetInsertBlock()->getModule();
  const auto c = [&](double v) { return llvm::ConstantFP::get(real, v); };
  const auto horner = [&](std::span<const double> coefficients) { // lowest degree first
    llvm::Function* fma = llvm::Intrinsic::getDeclaration(&m, llvm::Intrinsic::fma, {real});
    Value* r = c(coefficients.back());
    for (auto it = coefficients.rbegin() + 1; it != coefficients.rend(); ++it)
      r = b.CreateCall(fma, {u, r, c(*it)});
    return r;
  };
  switch (kind) {
  case ir::SharedMember::Expm1:
    return b.CreateSelect(small, b.CreateFMul(u, horner(ir::kExprelSeries)), common);
  case ir::SharedMember::Exprel:
    return b.CreateSelect(infinite, u, b.CreateSelect(small, horner(ir::kExprelSeries), common));
  case ir::SharedMember::InverseExprel:
    return b.CreateSelect(infinite, c(0.0),
                          b.CreateSelect(small, horner(ir::kInverseExprelSeries), common));
  }
  return common;
}

// The body of the scalar function (branch-free) or of its vector version (the series only
// when a lane needs it).
Value* sharedMemberBody(IRBuilder<>& b, ir::SharedMember kind, Value* u, Value* common) {
  llvm::Type* real = u->getType();
  Value* small = b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, u),
                                 llvm::ConstantFP::get(real, ir::kSharedSmallArgument));
  Value* infinite =
      b.CreateFCmpOEQ(u, llvm::ConstantFP::get(real, std::numeric_limits<double>::infinity()));
  if (!real->isVectorTy()) return sharedMemberValue(b, kind, u, common, small, infinite);
  llvm::BasicBlock* entry = b.GetInsertBlock();
  llvm::LLVMContext& context = entry->getContext();
  auto* rare = llvm::BasicBlock::Create(context, "shared.rare", entry->getParent());
  auto* done = llvm::BasicBlock::Create(context, "shared.done", entry->getParent());
  Value* someRare = kind == ir::SharedMember::Expm1 ? small : b.CreateOr(small, infinite);
  b.CreateCondBr(b.CreateOrReduce(someRare), rare, done);
  b.SetInsertPoint(rare);
  Value* value = sharedMemberValue(b, kind, u, common, small, infinite);
  b.CreateBr(done);
  b.SetInsertPoint(done);
  llvm::PHINode* result = b.CreatePHI(real, 2);
  result->addIncoming(common, entry);
  result->addIncoming(value, rare);
  return result;
}

// An internal function `type name(type, type)` of m with the body above (made once).
llvm::Function* defineSharedMember(llvm::Module& m, llvm::Type* type, const std::string& name,
                                   ir::SharedMember kind, llvm::Attribute::AttrKind inlining) {
  const auto [f, fresh] = declareInternal(m, type, 2, name, inlining);
  if (fresh) {
    IRBuilder<> fb(llvm::BasicBlock::Create(m.getContext(), "entry", f));
    fb.CreateRet(sharedMemberBody(fb, kind, f->getArg(0), f->getArg(1)));
  }
  return f;
}

} // namespace

Value* guardedSharedMember(IRBuilder<>& b, ir::SharedMember kind, Value* u, Value* common,
                           int vectorWidth) {
  llvm::Module& m = *b.GetInsertBlock()->getModule();
  llvm::Type* real = u->getType();
  const unsigned bits = real->getPrimitiveSizeInBits().getFixedSize();
  const std::string name = fmt::format("nj.shared{}.f{}", static_cast<int>(kind), bits);
  // NoInline until inlineVectorMath, so that the loop vectorizer sees one call to widen.
  llvm::CallInst* call =
      b.CreateCall(defineSharedMember(m, real, name, kind, llvm::Attribute::NoInline), {u, common});
  call->setDoesNotAccessMemory();
  if (vectorWidth > 1) {
    const auto w = static_cast<unsigned>(vectorWidth);
    const std::string vectorName =
        fmt::format("nj.shared{}.v{}f{}", static_cast<int>(kind), w, bits);
    llvm::Function* vector = defineSharedMember(m, llvm::FixedVectorType::get(real, w), vectorName,
                                                kind, llvm::Attribute::AlwaysInline);
    llvm::appendToCompilerUsed(m, {vector});
    llvm::VFABI::setVectorVariantNames(
        call, {fmt::format("_ZGV_LLVM_N{}vv_{}({})", w, name, vectorName)});
  }
  return call;
}

void inlineVectorMath(llvm::Module& module) {
  if (llvm::GlobalVariable* used = module.getGlobalVariable("llvm.compiler.used"))
    used->eraseFromParent();
  llvm::SmallVector<llvm::CallBase*, 32> calls;
  for (llvm::Function& f : module)
    if (f.getName().startswith("nj.") && !f.isDeclaration())
      for (llvm::User* u : f.users())
        if (auto* call = llvm::dyn_cast<llvm::CallBase>(u)) calls.push_back(call);
  for (llvm::CallBase* call : calls) {
    call->getCalledFunction()->removeFnAttr(llvm::Attribute::NoInline);
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

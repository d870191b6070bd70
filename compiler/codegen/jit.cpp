// The JIT side of code generation: host target detection, the O3 pipeline with the libmvec
// vector library, the allow-listed symbol resolution, and one LLJIT per compiled group.
#include "compiler/codegen/compile_group.hpp"
#include "compiler/codegen/compile_synapse_event.hpp"
#include "compiler/codegen/emit_kernel.hpp"
#include "compiler/codegen/emit_synapse_kernel.hpp"
#include "compiler/codegen/jit_module.hpp"
#include "compiler/codegen/perf_map.hpp"
#include "compiler/codegen/symbol_allow_list.hpp"
#include "compiler/codegen/vector_math.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <llvm/ADT/Triple.h>
#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/IPO/GlobalDCE.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/LoopRotation.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/InjectTLIMappings.h>
#include <llvm/Transforms/Utils/LCSSA.h>
#include <llvm/Transforms/Utils/LoopSimplify.h>
#include <llvm/Transforms/Vectorize/LoopVectorize.h>

namespace nj::codegen {

struct CompiledGroup::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit; // owns the machine code; destroyed with the group
};

CompiledGroup::CompiledGroup(std::unique_ptr<Impl> impl, NjGroupKernel entry, int vectorWidth,
                             int interleave, double ms)
    : impl_(std::move(impl)), kernel_(entry), vectorWidth_(vectorWidth),
      lanesPerIteration_(vectorWidth * interleave), compileMs_(ms) {}

CompiledGroup::~CompiledGroup() = default;

namespace {

void initializeLlvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

// What the loop vectorizer did, collected from its remarks instead of printed to stderr.
struct VectorizationReport {
  std::mutex mutex;
  int width = 0; // from "vectorized loop (vectorization width: N, interleaved count: M)"
  int interleave = 1;
  bool failed = false; // a forced vectorization the optimizer could not do
  std::string notes;   // why not, one remark per line
  std::string errors;  // any error-severity diagnostic

  int effectiveWidth() {
    std::lock_guard lock(mutex);
    return failed || width == 0 ? 1 : width;
  }
};

class RemarkCollector : public llvm::DiagnosticHandler {
public:
  explicit RemarkCollector(std::shared_ptr<VectorizationReport> report)
      : report_(std::move(report)) {}

  bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
    std::lock_guard lock(report_->mutex);
    if (info.getKind() == llvm::DK_OptimizationFailure) report_->failed = true;
    if (const auto* remark = llvm::dyn_cast<llvm::DiagnosticInfoOptimizationBase>(&info)) {
      // The vectorizer's own name, or none (always-print remarks of a forced vectorization).
      const llvm::StringRef pass = remark->getPassName();
      if (pass != "loop-vectorize" && !pass.empty() &&
          info.getKind() != llvm::DK_OptimizationFailure)
        return true;
      const std::string text = remark->getMsg();
      if (info.getKind() == llvm::DK_OptimizationRemark) {
        const std::string key = "vectorization width: ";
        const std::string countKey = "interleaved count: ";
        if (auto at = text.find(key); at != std::string::npos && report_->width == 0) {
          report_->width = std::atoi(text.c_str() + at + key.size());
          if (auto c = text.find(countKey); c != std::string::npos)
            report_->interleave = std::max(1, std::atoi(text.c_str() + c + countKey.size()));
        }
      } else if (report_->notes.find(text) == std::string::npos) {
        report_->notes += text + "\n";
      }
      return true;
    }
    if (info.getSeverity() == llvm::DS_Error) {
      std::string text;
      llvm::raw_string_ostream os(text);
      llvm::DiagnosticPrinterRawOStream printer(os);
      info.print(printer);
      report_->errors += os.str() + "\n";
    }
    return true; // never printed, never fatal: errors are turned into CodegenError by the caller
  }
  bool isAnyRemarkEnabled() const override { return true; }
  bool isAnalysisRemarkEnabled(llvm::StringRef pass) const override {
    return pass == "loop-vectorize";
  }
  bool isMissedOptRemarkEnabled(llvm::StringRef pass) const override {
    return pass == "loop-vectorize";
  }
  bool isPassedOptRemarkEnabled(llvm::StringRef pass) const override {
    return pass == "loop-vectorize";
  }

private:
  std::shared_ptr<VectorizationReport> report_;
};

std::shared_ptr<VectorizationReport> collectRemarks(llvm::LLVMContext& context) {
  auto report = std::make_shared<VectorizationReport>();
  context.setDiagnosticHandler(std::make_unique<RemarkCollector>(report));
  return report;
}

std::string message(llvm::Error error) {
  return llvm::toString(std::move(error));
}

template <typename T> T unwrap(llvm::Expected<T> value, const char* what) {
  if (!value) throw CodegenError(fmt::format("{}: {}", what, message(value.takeError())));
  return std::move(*value);
}

// The host CPU as LLVM sees it, with the options applied.
struct HostTarget {
  llvm::orc::JITTargetMachineBuilder builder{llvm::Triple()};
  bool avx2 = false, avx512 = false;
  int vectorWidth = 1;
  EmitOptions emit;
};

HostTarget detectHost(const CompileOptions& options) {
  initializeLlvm();
  if (options.optLevel < 0 || options.optLevel > 3)
    throw CodegenError(fmt::format("optimization level {} is not in 0..3", options.optLevel));
  HostTarget h;
  h.builder =
      unwrap(llvm::orc::JITTargetMachineBuilder::detectHost(), "cannot detect the host CPU");
  const std::string features = h.builder.getFeatures().getString();
  auto has = [&](const char* f) {
    return features.find(std::string("+") + f) != std::string::npos;
  };
  h.avx2 = has("avx2");
  h.avx512 = has("avx512f") && options.allowAvx512;
  if (has("avx512f") && !options.allowAvx512) h.builder.getFeatures().AddFeature("avx512f", false);
  static const llvm::CodeGenOpt::Level levels[] = {llvm::CodeGenOpt::None, llvm::CodeGenOpt::Less,
                                                   llvm::CodeGenOpt::Default,
                                                   llvm::CodeGenOpt::Aggressive};
  h.builder.setCodeGenOptLevel(levels[options.optLevel]);
  // The small code model addresses a constant as a RIP-relative operand folded into its use
  // (vfmadd ... c(%rip){1to8}). The JIT's default, large, loads each one into a register first
  // (movabsq + vbroadcastsd): a quarter of the HH loop's instructions, and registers it needs.
  // Safe because JITLink puts all of a kernel object's sections in one allocation (link()).
  // Position-independent, so that an address is RIP-relative too (JITLink places the code
  // anywhere).
  h.builder.setCodeModel(llvm::CodeModel::Small);
  h.builder.setRelocationModel(llvm::Reloc::PIC_);
  // Doubles per vector; a float32 kernel has twice the lanes in the same registers.
  const int widest = (h.avx512 ? 8 : (h.avx2 || has("avx") ? 4 : 2)) * (options.float32 ? 2 : 1);
  h.vectorWidth =
      options.optLevel < 2 ? 1 : (options.vectorWidth > 0 ? options.vectorWidth : widest);
  h.emit.vectorWidth = h.vectorWidth;
  // Two vectors per iteration of a float64 kernel: while one waits on a long chain (exp, a
  // division), the other's operations fill the ports. On an Intel Xeon (session 32,
  // docs/performance.md) HH 10k's run 13 % faster, COBAHH 6 %; on session 33's Xeon 22 % and 10 %,
  // for 10 ms more of the back end's time (HH 28 -> 38 ms). 2 × 8 lanes is the runtime's shard
  // alignment (16 neurons), so every neuron keeps its code path in any layout; float32's 16 lanes
  // stay one vector per iteration.
  h.emit.interleave = options.float32 ? 1 : 2;
  h.emit.cpu = h.builder.getCPU();
  h.emit.features = h.builder.getFeatures().getString();
  h.emit.wideVectors = h.avx512;
  h.emit.float32 = options.float32;
  h.emit.preFloat32 = options.preFloat32;
  h.emit.postFloat32 = options.postFloat32;
  h.emit.inlineMath = options.inlineMath;
  h.emit.shareExponentials = options.shareExponentials && !options.float32;
  return h;
}

// What a kernel module needs, in the order it needs it (LLVM's O3 pipeline runs ~90 passes for
// interprocedural and memory optimizations these straight-line SSA loops do not have, and took
// 40 % of a kernel's compile time): the bodies inlined into the entry, folded and cleaned, loop
// invariants (parameter and dt terms) hoisted, the neuron loop vectorized, cleaned again.
llvm::ModulePassManager kernelPipeline() {
  llvm::FunctionPassManager scalar;
  scalar.addPass(llvm::EarlyCSEPass());
  scalar.addPass(llvm::InstCombinePass());
  scalar.addPass(llvm::SimplifyCFGPass());
  scalar.addPass(llvm::LoopSimplifyPass());
  scalar.addPass(llvm::LCSSAPass());
  llvm::LoopPassManager loops;
  loops.addPass(llvm::LoopRotatePass());
  loops.addPass(llvm::LICMPass());
  scalar.addPass(llvm::createFunctionToLoopPassAdaptor(std::move(loops), /*UseMemorySSA=*/true));
  scalar.addPass(llvm::InjectTLIMappings()); // libmvec's variants, for the vectorizer to find
  scalar.addPass(llvm::LoopVectorizePass(llvm::LoopVectorizeOptions(
      /*InterleaveOnlyWhenForced=*/false, /*VectorizeOnlyWhenForced=*/false)));
  scalar.addPass(llvm::EarlyCSEPass());
  scalar.addPass(llvm::InstCombinePass());
  scalar.addPass(llvm::SimplifyCFGPass());
  llvm::ModulePassManager module;
  module.addPass(llvm::AlwaysInlinerPass());
  module.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(scalar)));
  module.addPass(llvm::GlobalDCEPass());
  return module;
}

// The new-PM pipeline at the requested level, with libmvec registered as the vector library
// before the function analyses (the loop vectorizer asks TargetLibraryInfo for variants).
void optimize(llvm::Module& module, llvm::TargetMachine& machine, const CompileOptions& options,
              const HostTarget& h) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = options.optLevel >= 2;
  tuning.SLPVectorization = options.optLevel >= 2;
  // The kernels' loops gain nothing from unrolling (the vector loop is wide already, the
  // compaction loop rarely runs); skipping it saves compile time and code size.
  tuning.LoopUnrolling = false;
  llvm::PassBuilder passes(&machine, tuning);

  llvm::TargetLibraryInfoImpl library(llvm::Triple(module.getTargetTriple()));
  if (options.vectorLibrary) {
    std::vector<llvm::VecDesc> variants;
    for (const VectorVariant& v : vectorVariants()) {
      if (v.isa == 'e' && !h.avx512) continue;
      if (v.isa == 'd' && !h.avx2) continue;
      // Inline math brings its own vector exp/expm1 (vector_math.hpp, on the call sites).
      const std::string_view scalar = v.scalar;
      if (options.inlineMath &&
          (scalar == "exp" || scalar == "llvm.exp.f64" || scalar == "expm1" || scalar == "expf" ||
           scalar == "llvm.exp.f32" || scalar == "expm1f"))
        continue;
      variants.push_back(
          {v.scalar, v.vector, llvm::ElementCount::getFixed(static_cast<unsigned>(v.width))});
    }
    library.addVectorizableFunctions(variants);
  }
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(library); });
  passes.registerModuleAnalyses(mam);
  passes.registerCGSCCAnalyses(cgam);
  passes.registerFunctionAnalyses(fam);
  passes.registerLoopAnalyses(lam);
  passes.crossRegisterProxies(lam, fam, cgam, mam);

  static const llvm::OptimizationLevel levels[] = {
      llvm::OptimizationLevel::O0, llvm::OptimizationLevel::O1, llvm::OptimizationLevel::O2,
      llvm::OptimizationLevel::O3};
  llvm::ModulePassManager pipeline =
      options.optLevel == 0 ? passes.buildO0DefaultPipeline(llvm::OptimizationLevel::O0)
      : options.optLevel == 3 && !options.standardPipeline
          ? kernelPipeline()
          : passes.buildPerModuleDefaultPipeline(levels[options.optLevel]);
  pipeline.run(module, mam);
  inlineVectorMath(module);
}

// Every external the module declares must be an LLVM intrinsic or an allowed math function.
llvm::Error checkExternals(const llvm::Module& module) {
  for (const llvm::Function& f : module)
    if (f.isDeclaration() && !f.isIntrinsic() && !isAllowedSymbol(f.getName()))
      return llvm::make_error<llvm::StringError>(
          fmt::format("kernel refers to `{}`, which is not an allowed math function",
                      f.getName().str()),
          llvm::inconvertibleErrorCode());
  for (const llvm::GlobalVariable& g : module.globals())
    if (g.isDeclaration())
      return llvm::make_error<llvm::StringError>(
          fmt::format(
              "kernel refers to the external variable `{}`; kernels may not access host data",
              g.getName().str()),
          llvm::inconvertibleErrorCode());
  return llvm::Error::success();
}

void prepare(llvm::Module& module, llvm::TargetMachine& machine) {
  module.setDataLayout(machine.createDataLayout());
  module.setTargetTriple(machine.getTargetTriple().str());
}

std::unique_ptr<llvm::TargetMachine> targetMachine(HostTarget& h) {
  return unwrap(h.builder.createTargetMachine(), "cannot create a target machine for the host");
}

std::unique_ptr<CompiledGroup> link(std::unique_ptr<llvm::LLVMContext> context,
                                    std::unique_ptr<llvm::Module> module, const std::string& entry,
                                    const CompileOptions& options, HostTarget h,
                                    bool checkDeclarations,
                                    std::chrono::steady_clock::time_point start) {
  std::shared_ptr<llvm::TargetMachine> machine = targetMachine(h);
  prepare(*module, *machine);
  std::shared_ptr<VectorizationReport> report = collectRemarks(*context);

  auto impl = std::make_unique<CompiledGroup::Impl>();
  impl->jit = unwrap(
      llvm::orc::LLJITBuilder()
          .setJITTargetMachineBuilder(h.builder)
          // JITLink, not RuntimeDyld: it allocates an object's code and constants
          // in one block, within the ±2 GiB the small code model's RIP-relative
          // references reach; calls into libm go through its stubs.
          .setObjectLinkingLayerCreator(
              [name = module->getModuleIdentifier()](
                  llvm::orc::ExecutionSession& session,
                  const llvm::Triple&) -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
                auto layer = std::make_unique<llvm::orc::ObjectLinkingLayer>(session);
                if (perfMapRequested()) layer->addPlugin(perfMapPlugin(name));
                return layer;
              })
          // No platform runtime: kernels have no static initializers, and the
          // generic platform would put host helper symbols in reach.
          .setPlatformSetUp([](llvm::orc::LLJIT&) { return llvm::Error::success(); })
          .create(),
      "cannot create the JIT");
  llvm::orc::LLJIT& jit = *impl->jit;
  auto errors = std::make_shared<std::string>();
  jit.getExecutionSession().setErrorReporter([errors](llvm::Error e) {
    if (!errors->empty()) *errors += "; ";
    *errors += message(std::move(e));
  });

  // Symbol resolution: only allow-listed names, only from libm and libmvec. (A library handle
  // would otherwise also reach its dependencies, libc among them.)
  const char prefix = jit.getDataLayout().getGlobalPrefix();
  for (const char* library : {"libm.so.6", "libmvec.so.1"}) {
    auto generator = llvm::orc::DynamicLibrarySearchGenerator::Load(
        library, prefix,
        [](const llvm::orc::SymbolStringPtr& name) { return isAllowedSymbol(*name); });
    if (!generator) {
      // Without libmvec the kernels still run when the vector library is off.
      if (std::string(library) == "libmvec.so.1" && !options.vectorLibrary) {
        llvm::consumeError(generator.takeError());
        continue;
      }
      throw CodegenError(
          fmt::format("cannot load {}: {}", library, message(generator.takeError())));
    }
    jit.getMainJITDylib().addGenerator(std::move(*generator));
  }

  jit.getIRTransformLayer().setTransform(
      [machine, options, h, checkDeclarations](llvm::orc::ThreadSafeModule tsm,
                                               const llvm::orc::MaterializationResponsibility&)
          -> llvm::Expected<llvm::orc::ThreadSafeModule> {
        llvm::Error error = llvm::Error::success();
        tsm.withModuleDo([&](llvm::Module& m) {
          optimize(m, *machine, options, h);
          if (checkDeclarations) error = checkExternals(m);
        });
        if (error) return error;
        return tsm;
      });

  if (llvm::Error e =
          jit.addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context))))
    throw CodegenError(fmt::format("cannot add the kernel module: {}", message(std::move(e))));
  auto symbol = jit.lookup(entry);
  if (!symbol) {
    std::string why = message(symbol.takeError());
    if (!errors->empty()) why = *errors;
    throw CodegenError(fmt::format("cannot link the kernel: {}", why));
  }
  if (!report->errors.empty()) throw CodegenError(fmt::format("LLVM reported: {}", report->errors));
  auto kernel = reinterpret_cast<NjGroupKernel>(static_cast<std::uintptr_t>(symbol->getAddress()));
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const int width = h.vectorWidth == 1 ? 1 : report->effectiveWidth();
  auto group = std::make_unique<CompiledGroup>(std::move(impl), kernel, width,
                                               width == 1 ? 1 : report->interleave, ms);
  if (width == 1) group->setVectorizationNotes(report->notes);
  return group;
}

std::string print(const llvm::Module& module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, nullptr);
  return os.str();
}

} // namespace

std::unique_ptr<CompiledGroup> compileGroup(const lower::GroupProgram& program,
                                            const CompileOptions& options) {
  auto start = std::chrono::steady_clock::now();
  HostTarget h = detectHost(options);
  auto context = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> module = emitKernelModule(program, *context, h.emit);
  return link(std::move(context), std::move(module), kKernelName, options, std::move(h), true,
              start);
}

// The module as emitted, without a target machine: the triple and data layout are the host's for
// every kernel of the process.
std::string kernelIdentity(const lower::GroupProgram& program, const CompileOptions& options) {
  const HostTarget h = detectHost(options);
  llvm::LLVMContext context;
  return fmt::format("{} {} {} {} {} {} {} {} {} {}\n", options.optLevel, options.standardPipeline,
                     options.vectorLibrary, options.allowAvx512, options.vectorWidth,
                     options.float32, options.inlineMath, options.shareExponentials,
                     options.preFloat32, options.postFloat32) +
         print(*emitKernelModule(program, context, h.emit));
}

std::string emitLlvmIr(const lower::GroupProgram& program, bool optimized,
                       const CompileOptions& options) {
  HostTarget h = detectHost(options);
  auto machine = targetMachine(h);
  llvm::LLVMContext context;
  auto report = collectRemarks(context);
  std::unique_ptr<llvm::Module> module = emitKernelModule(program, context, h.emit);
  prepare(*module, *machine);
  if (!optimized) return print(*module);
  optimize(*module, *machine, options, h);
  std::string text = print(*module);
  if (report->width > 0)
    text += fmt::format("; loop-vectorize: vectorized, width {}\n", report->width);
  std::istringstream notes(report->notes);
  for (std::string line; std::getline(notes, line);)
    text += "; loop-vectorize: " + line + "\n";
  return text;
}

std::string emitAssembly(const lower::GroupProgram& program, const CompileOptions& options) {
  HostTarget h = detectHost(options);
  auto machine = targetMachine(h);
  llvm::LLVMContext context;
  auto report = collectRemarks(context);
  std::unique_ptr<llvm::Module> module = emitKernelModule(program, context, h.emit);
  prepare(*module, *machine);
  optimize(*module, *machine, options, h);
  llvm::SmallString<0> text;
  llvm::raw_svector_ostream os(text);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr, llvm::CGFT_AssemblyFile))
    throw CodegenError("the host target cannot emit assembly");
  codegen.run(*module);
  return std::string(text.str());
}

// Synapse event kernels: the same pipeline and symbol resolution; a scalar loop (vector width 1).
std::unique_ptr<CompiledSynapseEvent> compileSynapseEvent(const lower::SynapseEventProgram& program,
                                                          const CompileOptions& options) {
  auto start = std::chrono::steady_clock::now();
  HostTarget h = detectHost(options);
  h.vectorWidth = 1;
  auto context = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> module = emitSynapseEventModule(program, *context, h.emit);
  return std::make_unique<CompiledSynapseEvent>(link(std::move(context), std::move(module),
                                                     kSynapseKernelName, options, std::move(h),
                                                     true, start));
}

std::string emitSynapseEventLlvmIr(const lower::SynapseEventProgram& program, bool optimized,
                                   const CompileOptions& options) {
  HostTarget h = detectHost(options);
  auto machine = targetMachine(h);
  llvm::LLVMContext context;
  collectRemarks(context);
  std::unique_ptr<llvm::Module> module = emitSynapseEventModule(program, context, h.emit);
  prepare(*module, *machine);
  if (optimized) optimize(*module, *machine, options, h);
  return print(*module);
}

namespace detail {

std::unique_ptr<CompiledGroup> compileLlvmIrText(const std::string& text, const std::string& entry,
                                                 const CompileOptions& options,
                                                 bool checkDeclarations) {
  auto start = std::chrono::steady_clock::now();
  HostTarget h = detectHost(options);
  auto context = std::make_unique<llvm::LLVMContext>();
  collectRemarks(*context);
  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(text, diagnostic, *context);
  if (!module) {
    std::string why;
    llvm::raw_string_ostream os(why);
    diagnostic.print("llvm-ir", os);
    throw CodegenError(fmt::format("invalid LLVM IR: {}", os.str()));
  }
  return link(std::move(context), std::move(module), entry, options, std::move(h),
              checkDeclarations, start);
}

} // namespace detail

} // namespace nj::codegen

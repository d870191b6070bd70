// neurojit — the command-line driver, a thin client of the compiler layers.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <unistd.h>

#include "tools/neurojit/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"NeuroJIT: equations of computational neuroscience, compiled to fast simulations"};
  app.set_version_flag("--version", std::string("neurojit ") + NJ_VERSION);
  app.require_subcommand(1);

  nj::tool::CommonOptions common;
  const char* envStdlib = std::getenv("NEUROJIT_STDLIB");
  common.stdlibDir = envStdlib != nullptr ? envStdlib : NJ_DEFAULT_STDLIB;
  common.color = isatty(STDERR_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
  std::string stdlib;
  app.add_option("--stdlib", stdlib, "folder of the model library searched by `import` (default: $NEUROJIT_STDLIB or the built-in one)");

  std::vector<std::string> files;
  CLI::App* check = app.add_subcommand("check", "check model files: syntax, names, units; print a summary per model");
  check->add_option("files", files, "model files (.nj)")->required()->check(CLI::ExistingPath);

  std::string emitFile, emitAfter = "ir", emitModel, emitMethod = "auto";
  CLI::App* emit = app.add_subcommand("emit", "print a model after a stage of the compiler");
  emit->add_option("file", emitFile, "model file (.nj)")->required()->check(CLI::ExistingFile);
  emit->add_option("--after", emitAfter,
                   "the stage: ast (parsed, printed back), ir (checked, lowered), step (integrated by --method)")
      ->check(CLI::IsMember({"ast", "ir", "step"}));
  emit->add_option("--method", emitMethod, "integration method for --after=step (default: auto)");
  emit->add_flag_callback("--ir", [&] { emitAfter = "ir"; }, "same as --after=ir");
  emit->add_option("--model", emitModel, "only this model");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (!stdlib.empty()) common.stdlibDir = stdlib;

  try {
    if (check->parsed()) return nj::tool::runCheck(files, common);
    if (emit->parsed()) return nj::tool::runEmit(emitFile, emitAfter, emitModel, emitMethod, common);
  } catch (const std::exception& e) {
    fmt::print(stderr, "neurojit: internal error: {}\nplease report this with the model file that caused it\n", e.what());
    return 2;
  }
  return 0;
}

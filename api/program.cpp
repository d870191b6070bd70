#include "api/program_impl.hpp"

#include <chrono>

namespace neurojit {
namespace {

std::unique_ptr<Program::Impl> finish(std::unique_ptr<Program::Impl> impl,
                                      std::chrono::steady_clock::time_point start) {
  impl->checked = nj::sema::check(impl->program, impl->diags);
  impl->checkSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return impl;
}

} // namespace

std::string version() {
  return NJ_VERSION;
}

Program::Program(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Program::~Program() = default;

std::unique_ptr<Program> Program::fromFile(const std::filesystem::path& path,
                                           const CompileOptions& options) {
  auto start = std::chrono::steady_clock::now();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->program = nj::sema::load({path}, {options.stdlibDir}, impl->sources, impl->diags);
  return std::unique_ptr<Program>(new Program(finish(std::move(impl), start)));
}

std::unique_ptr<Program> Program::fromText(const std::string& name, const std::string& text,
                                           const CompileOptions& options) {
  auto start = std::chrono::steady_clock::now();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->program = nj::sema::loadText(name, text, {options.stdlibDir}, impl->sources, impl->diags);
  return std::unique_ptr<Program>(new Program(finish(std::move(impl), start)));
}

bool Program::ok() const {
  return !impl_->diags.hasErrors();
}
std::size_t Program::errorCount() const {
  return impl_->diags.errorCount();
}
std::string Program::diagnostics(bool color) const {
  return nj::diag::renderAll(impl_->sources, impl_->diags, color);
}
double Program::checkSeconds() const {
  return impl_->checkSeconds;
}

std::vector<std::string> Program::networkNames() const {
  std::vector<std::string> out;
  for (const auto& [name, n] : impl_->program.networks)
    out.push_back(name);
  return out;
}

std::vector<std::string> Program::modelNames() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : impl_->program.models)
    out.push_back(name);
  return out;
}

} // namespace neurojit

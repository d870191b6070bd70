#include "api/program_impl.hpp"

namespace neurojit {

std::string version() {
  return NJ_VERSION;
}

Program::Program(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Program::~Program() = default;

std::unique_ptr<Program> Program::fromFile(const std::filesystem::path& path,
                                           const CompileOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  nj::pipeline::Source source;
  source.files = {path};
  source.stdlibDir = options.stdlibDir;
  impl->source = nj::pipeline::check(source);
  return std::unique_ptr<Program>(new Program(std::move(impl)));
}

std::unique_ptr<Program> Program::fromText(const std::string& name, const std::string& text,
                                           const CompileOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  nj::pipeline::Source source;
  source.name = name;
  source.text = text;
  source.stdlibDir = options.stdlibDir;
  impl->source = nj::pipeline::check(source);
  return std::unique_ptr<Program>(new Program(std::move(impl)));
}

bool Program::ok() const {
  return !impl_->source->diags.hasErrors();
}
std::size_t Program::errorCount() const {
  return impl_->source->diags.errorCount();
}
std::string Program::diagnostics(bool color) const {
  return nj::diag::renderAll(impl_->source->sources, impl_->source->diags, color);
}
double Program::checkSeconds() const {
  return impl_->source->seconds;
}

std::vector<std::string> Program::networkNames() const {
  std::vector<std::string> out;
  for (const auto& [name, n] : impl_->source->program.networks)
    out.push_back(name);
  return out;
}

std::vector<std::string> Program::modelNames() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : impl_->source->program.models)
    out.push_back(name);
  return out;
}

} // namespace neurojit

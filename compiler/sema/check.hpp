// Semantic analysis of a loaded program: every model and network is checked
// for names, structure and physical dimensions; every error is reported.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/checked.hpp"
#include "compiler/sema/program.hpp"

namespace nj::sema {

CheckedModel checkModel(const syntax::Model& model, const Program& program,
                        diag::Diagnostics& diags);

// A value given from outside (the command line) for a network parameter.
struct ParameterOverride {
  double value = 0; // SI
  Dimension dim;
};

// Needs the checked models of the program to look up what groups instantiate.
// `overrides` replace network parameter values before anything uses them.
CheckedNetwork checkNetwork(const syntax::Network& network, const Program& program,
                            const std::map<std::string, CheckedModel>& models,
                            diag::Diagnostics& diags,
                            const std::map<std::string, ParameterOverride>& overrides = {});

CheckedProgram check(const Program& program, diag::Diagnostics& diags);

} // namespace nj::sema

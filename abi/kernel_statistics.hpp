// \file What a host kernel reports of its work (the solver of an adaptive method: steps,
// evaluations, step sizes), for run.json: named numbers, each with the way a run of several MPI
// ranks combines the ranks' values (each rank's kernel sees only the neurons of its shards).
#pragma once

#include <string>
#include <vector>

namespace nj::abi {

struct KernelStatistic {
  enum class Across { Sum, Min, Max }; // Min and Max skip NaN (a rank that measured nothing)
  std::string name;
  double value = 0;
  Across across = Across::Sum;
};

using KernelStatistics = std::vector<KernelStatistic>;

} // namespace nj::abi

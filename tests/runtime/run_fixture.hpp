// A small LIF network with every kind of monitor, and temporary folders, for output tests.
#pragma once

#include "runtime/network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <filesystem>
#include <string>

#include <unistd.h>

namespace nj::runtime::testing {

// A fresh folder under the system temporary folder, removed (with its contents) on destruction.
class TempDir {
public:
  explicit TempDir(const std::string& name)
      : root_(std::filesystem::temp_directory_path() /
              ("nj_runtime_" + std::to_string(::getpid()))),
        path_(root_ / name) {
    std::filesystem::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    std::filesystem::remove(root_, ec); // only once empty
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path root_, path_;
};

struct SmallNetwork {
  Network net{{.dt = 1e-4, .seed = 42}};
  NeuronGroup* E = nullptr;
  NeuronGroup* I = nullptr;

  SmallNetwork() {
    E = &addLif("E", 40, 18e-9);
    I = &addLif("I", 10, 25e-9);
    net.addSpikeMonitor(*E);
    net.addSpikeMonitor(*I);
    StateMonitor& v = net.addStateMonitor(*E, {"V"}, {.begin = 0, .end = 4}, 2);
    v.setDisplayUnit("V", {"mV", 1e3});
    net.addRateMonitor(*E);
    net.addRateMonitor(*I);
  }

  NeuronGroup& addLif(const std::string& name, std::size_t n, double current) {
    NeuronGroup& g = net.addGroup(name, n, lifLayout());
    g.setKernel({.fn = lifKernel});
    const double p[] = {-0.065, -0.065, -0.050, 1e6, 0.010};
    for (std::size_t k = 0; k < 5; ++k)
      g.params()[k] = p[k];
    g.setRefractoryPeriod(2e-3);
    for (std::size_t k = 0; k < n; ++k)
      g.state("V")[k] = -0.065 + 0.014 * static_cast<double>(k) / static_cast<double>(n);
    net.addStimulus(g, "I", constantCurrent(current));
    return g;
  }
};

} // namespace nj::runtime::testing

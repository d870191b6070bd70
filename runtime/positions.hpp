// \file Positions of the neurons of a group, for distance-dependent connectivity: a regular grid or
// uniform random points in a box. Coordinates are in SI metres (plain networks: the unit the model
// writes); a group has 1, 2 or 3 dimensions.
//
//   grid(shape, spacing)     neuron i at ((i mod nx)·s, (i div nx mod ny)·s, (i div nx ny)·s); the
//                            extent is (nx·s, ny·s, nz·s), so under periodic boundaries the last
//                            column is one spacing away from the first.
//   random(n, extent)        coordinate d of neuron i = extent_d · U, U in (0, 1] the d-th draw of
//                            PhiloxSequence(seed, kPositionStreamBase + stream, i): independent of
//                            the thread count and of the other groups.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace nj::runtime {

struct Positions {
  int dims = 0;                   // 1, 2 or 3
  std::vector<double> coords{};   // neuron-major: neuron i at coords[i·dims + d]
  std::array<double, 3> extent{}; // the box [0, extent_d] the points lie in (periodic length)
  std::size_t size() const { return dims > 0 ? coords.size() / static_cast<std::size_t>(dims) : 0; }
  double at(std::size_t i, int d) const { return coords[i * static_cast<std::size_t>(dims) + d]; }
};

// Throws RuntimeError when the shape's product is not n, a dimension is 0 or the spacing is not
// positive and finite.
Positions gridPositions(std::uint64_t n, std::span<const std::uint64_t> shape, double spacing);
Positions randomPositions(std::uint64_t n, std::span<const double> extent, std::uint64_t seed,
                          std::uint32_t stream);
// Point i of such a grid or random set, written to out[0 … dims) without building the others
// (the memory estimate samples a few of a group too large to place).
void gridPoint(std::uint64_t i, std::span<const std::uint64_t> shape, double spacing, double* out);
void randomPoint(std::uint64_t i, std::span<const double> extent, std::uint64_t seed,
                 std::uint32_t stream, double* out);

// Euclidean distance between point i of `a` and point j of `b` (same number of dimensions); with
// `periodic`, each coordinate difference is taken the shorter way round the extent of `a`.
inline double distanceBetween(const Positions& a, std::size_t i, const Positions& b, std::size_t j,
                              bool periodic) {
  double sum = 0;
  for (int d = 0; d < a.dims; ++d) {
    double x = a.at(i, d) - b.at(j, d);
    if (x < 0) x = -x;
    if (periodic) {
      const double L = a.extent[static_cast<std::size_t>(d)];
      x -= L * static_cast<double>(static_cast<std::int64_t>(x / L)); // into [0, L)
      if (x > L - x) x = L - x;
    }
    sum += x * x;
  }
  return std::sqrt(sum);
}

} // namespace nj::runtime

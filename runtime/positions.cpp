#include "runtime/positions.hpp"

#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"

#include <cmath>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)

Positions gridPositions(std::uint64_t n, std::span<const std::uint64_t> shape, double spacing) {
  if (shape.empty() || shape.size() > 3) throw RuntimeError("a grid has 1, 2 or 3 dimensions");
  if (!(spacing > 0) || !std::isfinite(spacing))
    throw RuntimeError(fmt::format("the grid spacing must be positive, not {}", spacing));
  std::uint64_t product = 1;
  for (std::uint64_t s : shape) {
    if (s == 0) throw RuntimeError("a grid dimension cannot be 0");
    product *= s;
  }
  if (product != n)
    throw RuntimeError(fmt::format("a grid of {} points cannot place {} neurons", product, n));
  Positions p;
  p.dims = static_cast<int>(shape.size());
  p.coords.resize(n * shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d)
    p.extent[d] = static_cast<double>(shape[d]) * spacing;
  for (std::uint64_t i = 0; i < n; ++i)
    gridPoint(i, shape, spacing, p.coords.data() + i * shape.size());
  return p;
}

void gridPoint(std::uint64_t i, std::span<const std::uint64_t> shape, double spacing, double* out) {
  std::uint64_t rest = i;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    out[d] = static_cast<double>(rest % shape[d]) * spacing;
    rest /= shape[d];
  }
}

void randomPoint(std::uint64_t i, std::span<const double> extent, std::uint64_t seed,
                 std::uint32_t stream, double* out) {
  PhiloxSequence seq(seed, kPositionStreamBase + stream, static_cast<std::uint32_t>(i));
  for (std::size_t d = 0; d < extent.size(); ++d)
    out[d] = extent[d] * seq.uniform();
}

Positions randomPositions(std::uint64_t n, std::span<const double> extent, std::uint64_t seed,
                          std::uint32_t stream) {
  if (extent.empty() || extent.size() > 3)
    throw RuntimeError("random positions have 1, 2 or 3 dimensions");
  for (double L : extent)
    if (!(L > 0) || !std::isfinite(L))
      throw RuntimeError(fmt::format("the extent of random positions must be positive, not {}", L));
  Positions p;
  p.dims = static_cast<int>(extent.size());
  p.coords.resize(n * extent.size());
  for (std::size_t d = 0; d < extent.size(); ++d)
    p.extent[d] = extent[d];
  for (std::uint64_t i = 0; i < n; ++i)
    randomPoint(i, extent, seed, stream, p.coords.data() + i * extent.size());
  return p;
}

} // namespace nj::runtime

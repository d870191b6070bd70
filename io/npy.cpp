#include "io/npy.hpp"

#include "error/error.hpp"
#include "io/atomic_file.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace nj::io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the .npy writer assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";

template <class T>
void writeTyped(const std::filesystem::path& path, const char* descr, std::span<const T> data,
                std::vector<std::uint64_t> shape) {
  std::uint64_t count = 1;
  for (std::uint64_t s : shape)
    count *= s;
  if (count != data.size())
    throw Error(
        fmt::format("writing `{}`: {} values do not fill the shape", path.string(), data.size()));
  AtomicFile f(path);
  f.write(npyHeader(descr, shape));
  f.write(data.data(), data.size_bytes());
  f.commit();
}

} // namespace

std::string npyHeader(const std::string& descr, std::span<const std::uint64_t> shape) {
  std::string dims;
  for (std::uint64_t s : shape)
    dims += fmt::format("{}, ", s);
  if (shape.size() > 1)
    dims.resize(dims.size() - 2);
  else if (shape.size() == 1)
    dims.pop_back(); // "(3,)"
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  constexpr std::size_t kPrefix = 10; // magic (6) + version (2) + header length (2)
  std::size_t total = kPrefix + dict.size() + 1;
  std::size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict.push_back('\n');
  std::string out(kMagic, 6);
  out.push_back('\x01');
  out.push_back('\x00');
  auto len = static_cast<std::uint16_t>(dict.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  return out + dict;
}

void writeNpy(const std::filesystem::path& path, std::span<const double> data,
              std::vector<std::uint64_t> shape) {
  writeTyped(path, "<f8", data, std::move(shape));
}
void writeNpy(const std::filesystem::path& path, std::span<const std::uint32_t> data,
              std::vector<std::uint64_t> shape) {
  writeTyped(path, "<u4", data, std::move(shape));
}
void writeNpy(const std::filesystem::path& path, std::span<const std::int64_t> data,
              std::vector<std::uint64_t> shape) {
  writeTyped(path, "<i8", data, std::move(shape));
}

NpyAppender::NpyAppender(std::filesystem::path path, std::string descr, std::uint64_t width)
    : path_(std::move(path)), descr_(std::move(descr)), width_(width) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(fmt::format("cannot write `{}`: {}", path_.string(), std::strerror(errno)),
                ErrorKind::Io);
  const std::string header = npyHeader(descr_, shape(0));
  headerBytes_ = end_ = header.size();
  writeAt(header.data(), header.size(), 0);
}

NpyAppender::~NpyAppender() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::uint64_t> NpyAppender::shape(std::uint64_t rows) const {
  if (width_ == 0) return {rows};
  return {rows, width_};
}

void NpyAppender::writeAt(const void* data, std::size_t bytes, std::uint64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t n = ::pwrite(fd_, p, bytes, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("cannot write `{}`: {}", path_.string(), std::strerror(errno)),
                  ErrorKind::Io);
    }
    p += n;
    offset += static_cast<std::uint64_t>(n);
    bytes -= static_cast<std::size_t>(n);
  }
}

void NpyAppender::appendBytes(const char* descr, const void* data, std::uint64_t count,
                              std::size_t size) {
  const std::uint64_t width = std::max<std::uint64_t>(width_, 1);
  if (descr_ != descr || count % width != 0)
    throw Error(fmt::format("appending to `{}`: {} values of {} are not whole rows of {} {}",
                            path_.string(), count, descr, width, descr_));
  writeAt(data, count * size, end_);
  end_ += count * size;
  rows_ += count / width;
}

void NpyAppender::append(std::span<const double> values) {
  appendBytes("<f8", values.data(), values.size(), sizeof(double));
}
void NpyAppender::append(std::span<const std::uint32_t> values) {
  appendBytes("<u4", values.data(), values.size(), sizeof(std::uint32_t));
}
void NpyAppender::append(std::span<const std::int64_t> values) {
  appendBytes("<i8", values.data(), values.size(), sizeof(std::int64_t));
}

void NpyAppender::publish() {
  if (published_ == rows_) return;
  const std::string header = npyHeader(descr_, shape(rows_));
  if (header.size() != headerBytes_) // not for shapes of up to two dimensions of < 10^20
    throw Error(fmt::format("`{}`: the .npy header of shape {} rows would move the data",
                            path_.string(), rows_));
  writeAt(header.data(), header.size(), 0);
  published_ = rows_;
}

NpyArray readNpy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(fmt::format("cannot read `{}`: {}", path.string(), std::strerror(errno)),
                ErrorKind::Io);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) {
    return Error(fmt::format("`{}` is not a readable .npy file: {}", path.string(), why),
                 ErrorKind::Io);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) throw bad("no NUMPY magic");
  std::size_t headerLen = 0, start = 0;
  if (bytes[6] == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    start = 10;
  } else {
    if (bytes.size() < 12) throw bad("truncated header");
    for (int k = 0; k < 4; ++k)
      headerLen |= static_cast<std::size_t>(
                       static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(k)]))
                   << (8 * k);
    start = 12;
  }
  if (bytes.size() < start + headerLen) throw bad("truncated header");
  std::string header = bytes.substr(start, headerLen);
  NpyArray a;
  auto d = header.find("'descr':");
  if (d == std::string::npos) throw bad("no descr");
  auto q1 = header.find('\'', d + 8), q2 = header.find('\'', q1 + 1);
  a.descr = header.substr(q1 + 1, q2 - q1 - 1);
  if (header.find("'fortran_order': True") != std::string::npos)
    throw bad("Fortran order is not supported");
  auto s = header.find("'shape':");
  auto p1 = header.find('(', s), p2 = header.find(')', p1);
  if (s == std::string::npos || p1 == std::string::npos || p2 == std::string::npos)
    throw bad("no shape");
  std::string dims = header.substr(p1 + 1, p2 - p1 - 1);
  std::uint64_t count = 1;
  for (std::size_t pos = 0; pos < dims.size();) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ','))
      ++pos;
    if (pos >= dims.size()) break;
    std::size_t used = 0;
    std::uint64_t v = std::stoull(dims.substr(pos), &used);
    a.shape.push_back(v);
    count *= v;
    pos += used;
  }
  const char* data = bytes.data() + start + headerLen;
  std::size_t avail = bytes.size() - start - headerLen;
  auto take = [&]<class T>(T) {
    if (avail < count * sizeof(T)) throw bad("truncated data");
    a.values.resize(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, data + i * sizeof(T), sizeof(T));
      a.values[i] = static_cast<double>(v);
    }
  };
  if (a.descr == "<f8")
    take(double{});
  else if (a.descr == "<f4")
    take(float{});
  else if (a.descr == "<u4")
    take(std::uint32_t{});
  else if (a.descr == "<i4")
    take(std::int32_t{});
  else if (a.descr == "<i8")
    take(std::int64_t{});
  else if (a.descr == "<u8")
    take(std::uint64_t{});
  else
    throw bad(fmt::format("dtype {} is not supported", a.descr));
  return a;
}

} // namespace nj::io

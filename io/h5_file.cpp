#include "io/h5_file.hpp"

#include "error/error.hpp"

#include <map>
#include <vector>

#include <fmt/format.h>
#include <hdf5.h>

namespace nj::io {
namespace {

// Closes an HDF5 handle with its own close function.
class Handle {
public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    std::swap(id_, o.id_);
    std::swap(close_, o.close_);
    return *this;
  }
  ~Handle() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
  }
  hid_t get() const { return id_; }

private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

hid_t memoryType(H5File::Type type) {
  switch (type) {
  case H5File::Type::UInt32:
    return H5T_NATIVE_UINT32;
  case H5File::Type::Int64:
    return H5T_NATIVE_INT64;
  case H5File::Type::Float64:
    break;
  }
  return H5T_NATIVE_DOUBLE;
}

// Little-endian on disk, as the .npy files.
hid_t fileType(H5File::Type type) {
  switch (type) {
  case H5File::Type::UInt32:
    return H5T_STD_U32LE;
  case H5File::Type::Int64:
    return H5T_STD_I64LE;
  case H5File::Type::Float64:
    break;
  }
  return H5T_IEEE_F64LE;
}

} // namespace

struct H5File::Impl {
  Handle file;
  struct Growing {
    Handle dataset;
    Type type;
    std::uint64_t width = 0, rows = 0; // width 0: 1-D
  };
  std::map<std::string, Growing> growing;
  std::filesystem::path path;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("cannot write `{}`: {}", path.string(), what), ErrorKind::Io);
  }
  void check(herr_t status, const std::string& what) const {
    if (status < 0) fail(what);
  }
  hid_t checked(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }

  // The groups on the way to `name` ("a/b/c" needs a and a/b).
  void makeParents(const std::string& name) {
    for (std::size_t slash = name.find('/', 1); slash != std::string::npos;
         slash = name.find('/', slash + 1)) {
      const std::string group = name.substr(0, slash);
      if (H5Lexists(file.get(), group.c_str(), H5P_DEFAULT) > 0) continue;
      Handle g(checked(H5Gcreate2(file.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       "group " + group),
               H5Gclose);
    }
  }

  Growing& find(const std::string& name) {
    auto it = growing.find(name);
    if (it == growing.end()) fail("no growing dataset " + name);
    return it->second;
  }

  void append(const std::string& name, Type type, const void* data, std::size_t count) {
    Growing& d = find(name);
    if (d.type != type) fail("dataset " + name + " has another element type");
    const std::uint64_t width = d.width == 0 ? 1 : d.width;
    if (count % width != 0) fail(fmt::format("{} values are not rows of {}", count, width));
    const hsize_t more = count / width;
    if (more == 0) return;
    const int rank = d.width == 0 ? 1 : 2;
    hsize_t size[2] = {d.rows + more, d.width}, start[2] = {d.rows, 0}, block[2] = {more, d.width};
    check(H5Dset_extent(d.dataset.get(), size), "extend " + name);
    Handle space(checked(H5Dget_space(d.dataset.get()), "space of " + name), H5Sclose);
    check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, block, nullptr),
          "select in " + name);
    Handle memory(checked(H5Screate_simple(rank, block, nullptr), "memory space"), H5Sclose);
    check(H5Dwrite(d.dataset.get(), memoryType(type), memory.get(), space.get(), H5P_DEFAULT, data),
          "write " + name);
    d.rows += more;
  }

  template <class T>
  void read(const std::string& name, Type type, std::uint64_t offset, std::uint64_t count,
            std::vector<T>& out) {
    Growing& d = find(name);
    if (d.width != 0 || d.type != type)
      fail("dataset " + name + " is not a 1-D array of that type");
    hsize_t start = std::min<hsize_t>(offset, d.rows);
    hsize_t n = std::min<hsize_t>(count, d.rows - start);
    out.resize(n);
    if (n == 0) return;
    Handle space(checked(H5Dget_space(d.dataset.get()), "space of " + name), H5Sclose);
    check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr),
          "select in " + name);
    Handle memory(checked(H5Screate_simple(1, &n, nullptr), "memory space"), H5Sclose);
    check(H5Dread(d.dataset.get(), memoryType(type), memory.get(), space.get(), H5P_DEFAULT,
                  out.data()),
          "read back " + name);
  }

  Handle open(const std::string& object) {
    return Handle(checked(H5Oopen(file.get(), object.c_str(), H5P_DEFAULT), "open " + object),
                  H5Oclose);
  }

  void attribute(const std::string& object, const std::string& name, hid_t type,
                 const void* value) {
    Handle o = open(object);
    if (H5Aexists(o.get(), name.c_str()) > 0) {
      // A number is rewritten in place (cheap at every flush); a string may change its type.
      if (H5Tget_class(type) != H5T_STRING) {
        Handle a(checked(H5Aopen(o.get(), name.c_str(), H5P_DEFAULT), "attribute " + name),
                 H5Aclose);
        check(H5Awrite(a.get(), type, value), "attribute " + name + " of " + object);
        return;
      }
      H5Adelete(o.get(), name.c_str());
    }
    Handle space(checked(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
    Handle a(checked(H5Acreate2(o.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                     "attribute " + name + " of " + object),
             H5Aclose);
    check(H5Awrite(a.get(), type, value), "attribute " + name + " of " + object);
  }
};

H5File::H5File(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()), path_(path) {
  impl_->path = path;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); // errors become exceptions, not stderr dumps
  impl_->file = Handle(
      impl_->checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "create"),
      H5Fclose);
}

H5File::~H5File() = default;

void H5File::createGrowing(const std::string& name, Type type, std::uint64_t width,
                           std::uint64_t chunkRows) {
  impl_->makeParents(name);
  const int rank = width == 0 ? 1 : 2;
  hsize_t dims[2] = {0, width}, maxDims[2] = {H5S_UNLIMITED, width};
  hsize_t chunk[2] = {std::max<hsize_t>(chunkRows, 1), std::max<hsize_t>(width, 1)};
  Handle space(impl_->checked(H5Screate_simple(rank, dims, maxDims), "space of " + name), H5Sclose);
  Handle properties(impl_->checked(H5Pcreate(H5P_DATASET_CREATE), "properties"), H5Pclose);
  impl_->check(H5Pset_chunk(properties.get(), rank, chunk), "chunks of " + name);
  Handle dataset(impl_->checked(H5Dcreate2(impl_->file.get(), name.c_str(), fileType(type),
                                           space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                                "dataset " + name),
                 H5Dclose);
  impl_->growing[name] = {std::move(dataset), type, width, 0};
}

void H5File::append(const std::string& name, std::span<const double> values) {
  impl_->append(name, Type::Float64, values.data(), values.size());
}
void H5File::append(const std::string& name, std::span<const std::uint32_t> values) {
  impl_->append(name, Type::UInt32, values.data(), values.size());
}
void H5File::append(const std::string& name, std::span<const std::int64_t> values) {
  impl_->append(name, Type::Int64, values.data(), values.size());
}
std::uint64_t H5File::rows(const std::string& name) const {
  return impl_->find(name).rows;
}

std::vector<double> H5File::readDoubles(const std::string& name, std::uint64_t offset,
                                        std::uint64_t count) const {
  std::vector<double> out;
  impl_->read(name, Type::Float64, offset, count, out);
  return out;
}

std::vector<std::uint32_t> H5File::readUInt32s(const std::string& name, std::uint64_t offset,
                                               std::uint64_t count) const {
  std::vector<std::uint32_t> out;
  impl_->read(name, Type::UInt32, offset, count, out);
  return out;
}

// Variable-length UTF-8: what h5py reads back as str.
void H5File::setAttribute(const std::string& object, const std::string& name,
                          const std::string& value) {
  Handle type(impl_->checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  impl_->check(H5Tset_size(type.get(), H5T_VARIABLE), "string size");
  impl_->check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "string encoding");
  const char* text = value.c_str();
  impl_->attribute(object, name, type.get(), &text);
}
void H5File::setAttribute(const std::string& object, const std::string& name, double value) {
  impl_->attribute(object, name, H5T_NATIVE_DOUBLE, &value);
}
void H5File::setAttribute(const std::string& object, const std::string& name, std::int64_t value) {
  impl_->attribute(object, name, H5T_NATIVE_INT64, &value);
}

void H5File::flush() {
  impl_->check(H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL), "flush");
}

} // namespace nj::io

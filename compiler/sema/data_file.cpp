#include "compiler/sema/data_file.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

namespace nj::sema {
namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view s, std::size_t& offset) {
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  std::size_t e = s.size();
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  offset += b;
  return s.substr(b, e - b);
}

std::optional<double> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  return v;
}

struct Field {
  std::string_view text;
  std::uint32_t col; // 1-based
};

std::vector<Field> splitFields(std::string_view line) {
  std::vector<Field> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = line.find(',', start);
    std::string_view raw = line.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::size_t offset = start;
    std::string_view t = trim(raw, offset);
    out.push_back({t, static_cast<std::uint32_t>(offset + 1)});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

diag::SourceRange rangeOf(diag::FileId file, std::uint32_t line, const Field& f) {
  const auto width = static_cast<std::uint32_t>(std::max<std::size_t>(f.text.size(), 1));
  return {file, line, f.col, line, f.col + width};
}

std::optional<DataTable> readCsv(DataTable t, const std::string& text, diag::FileId file,
                                 diag::Diagnostics& diags) {
  std::uint32_t lineNo = 0;
  std::size_t pos = 0;
  bool first = true;
  std::size_t width = 0;
  const std::size_t errorsBefore = diags.errorCount();
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t off = 0;
    std::string_view content = trim(line, off);
    if (content.empty() || content.front() == '#') continue;
    std::vector<Field> fields = splitFields(line);
    if (first) {
      first = false;
      width = fields.size();
      t.columns.assign(width, {});
      t.cells.assign(width, {});
      if (!number(fields.front().text)) { // a header
        for (const Field& f : fields) {
          std::string name(f.text), unit;
          if (auto open = name.find('['); open != std::string::npos) {
            auto close = name.find(']', open);
            if (close == std::string::npos || close + 1 != name.size()) {
              diags.error(
                  rangeOf(file, lineNo, f),
                  fmt::format("a column header is `name` or `name [unit]`, not `{}`", name));
              return std::nullopt;
            }
            unit = name.substr(open + 1, close - open - 1);
            name = name.substr(0, open);
            while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
              name.pop_back();
          }
          if (name.empty()) {
            diags.error(rangeOf(file, lineNo, f), "a column of the header has no name");
            return std::nullopt;
          }
          t.names.push_back(name);
          t.units.push_back(unit);
          t.headerRanges.push_back(rangeOf(file, lineNo, f));
        }
        continue;
      }
    }
    if (fields.size() != width) {
      diags.error(rangeOf(file, lineNo, fields.back()),
                  fmt::format("this row has {} value{}, but the {} has {}", fields.size(),
                              fields.size() == 1 ? "" : "s",
                              t.names.empty() ? "first row" : "header", width));
      if (diags.errorCount() - errorsBefore >= 10) return std::nullopt;
      continue;
    }
    for (std::size_t c = 0; c < width; ++c) {
      std::optional<double> v = number(fields[c].text);
      if (!v) {
        diags.error(rangeOf(file, lineNo, fields[c]),
                    fmt::format("`{}` is not a number", fields[c].text));
        if (diags.errorCount() - errorsBefore >= 10) return std::nullopt;
      }
      t.columns[c].push_back(v.value_or(0));
      t.cells[c].push_back(rangeOf(file, lineNo, fields[c]));
    }
  }
  if (diags.errorCount() > errorsBefore) return std::nullopt;
  return t;
}

// numpy's .npy format 1.0–3.0: magic, version, header length, a Python dict literal, the data.
std::optional<DataTable> readNpy(DataTable t, const std::string& bytes, diag::Diagnostics& diags) {
  auto fail = [&](const std::string& why) -> std::optional<DataTable> {
    diags.error(t.at, fmt::format("`{}` is not a readable .npy file: {}", t.path, why));
    return std::nullopt;
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return fail("no .npy magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t headerLen = 0, start = 0;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return fail("truncated header");
    for (int k = 3; k >= 0; --k)
      headerLen = headerLen << 8 | static_cast<unsigned char>(bytes[8 + k]);
    start = 12;
  } else {
    return fail(fmt::format("format version {} is not supported", major));
  }
  if (start + headerLen > bytes.size()) return fail("truncated header");
  const std::string header = bytes.substr(start, headerLen);
  auto valueOf = [&](const std::string& key) -> std::string {
    auto k = header.find("'" + key + "'");
    if (k == std::string::npos) return "";
    auto colon = header.find(':', k);
    if (colon == std::string::npos) return "";
    std::size_t b = colon + 1;
    while (b < header.size() && header[b] == ' ')
      ++b;
    if (b < header.size() && header[b] == '(') return header.substr(b, header.find(')', b) - b + 1);
    if (b < header.size() && header[b] == '\'')
      return header.substr(b + 1, header.find('\'', b + 1) - b - 1);
    std::size_t e = header.find_first_of(",}", b);
    return header.substr(b, e - b);
  };
  const std::string descr = valueOf("descr");
  const bool fortran = valueOf("fortran_order") == "True";
  const std::string shapeText = valueOf("shape");
  if (descr.size() < 3) return fail("no dtype");
  const char order = descr[0], kind = descr[1];
  const int size = std::atoi(descr.c_str() + 2);
  if (order == '>' && size > 1) return fail("big-endian data");
  if (!((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) &&
      !(kind == 'f' && (size == 4 || size == 8)))
    return fail(fmt::format("dtype `{}` (integers or float32/float64 are read)", descr));
  std::vector<std::uint64_t> shape;
  for (std::size_t i = 0; i < shapeText.size();) {
    if (std::isdigit(static_cast<unsigned char>(shapeText[i]))) {
      char* end = nullptr;
      shape.push_back(std::strtoull(shapeText.c_str() + i, &end, 10));
      i = static_cast<std::size_t>(end - shapeText.c_str());
    } else {
      ++i;
    }
  }
  if (shape.empty() || shape.size() > 2)
    return fail(fmt::format("shape {} (a 1-D or 2-D array is read)", shapeText));
  const std::uint64_t rows = shape[0], width = shape.size() == 2 ? shape[1] : 1;
  const std::size_t dataStart = start + headerLen;
  if (width == 0 || rows > (bytes.size() - dataStart) / width / static_cast<std::uint64_t>(size) ||
      dataStart + rows * width * static_cast<std::uint64_t>(size) != bytes.size())
    return fail(fmt::format("the data is not {} × {} values of {} bytes", rows, width, size));
  t.columns.assign(width, std::vector<double>(rows));
  for (std::uint64_t r = 0; r < rows; ++r)
    for (std::uint64_t c = 0; c < width; ++c) {
      const std::uint64_t index = fortran ? c * rows + r : r * width + c;
      const char* p = bytes.data() + dataStart + index * static_cast<std::uint64_t>(size);
      double v = 0;
      if (kind == 'f') {
        if (size == 4) {
          float f;
          std::memcpy(&f, p, 4);
          v = f;
        } else {
          std::memcpy(&v, p, 8);
        }
      } else {
        std::uint64_t u = 0;
        std::memcpy(&u, p, static_cast<std::size_t>(size)); // little-endian host
        if (kind == 'i' && size < 8 && (u >> (8 * size - 1)) & 1)
          u |= ~std::uint64_t{0} << (8 * size);
        v = kind == 'i' ? static_cast<double>(static_cast<std::int64_t>(u))
                        : static_cast<double>(u);
      }
      t.columns[c][r] = v;
    }
  return t;
}

std::mutex& sourcesLock() {
  static std::mutex lock;
  return lock;
}

} // namespace

std::string rowLabel(const DataTable& t, std::size_t row) {
  return t.csv ? "" : fmt::format(" (row {} of `{}`)", row, t.path);
}

std::optional<DataTable> readDataTable(const std::string& written, diag::SourceRange at,
                                       const Program& program, diag::Diagnostics& diags) {
  if (program.sources == nullptr) {
    diags.error(at, "data files cannot be read here (no source manager)");
    return std::nullopt;
  }
  fs::path path(written);
  if (path.is_relative() && at.file != diag::kNoFile)
    path = fs::path(program.sources->path(at.file)).parent_path() / path;
  DataTable t;
  t.path = path.lexically_normal().string();
  t.at = at;
  const bool csv = path.extension() == ".csv" || path.extension() == ".txt";
  if (csv) {
    // A csv read by an earlier check of the program (Program creation checks every network; a
    // Simulation checks its network again, possibly on several threads at once) is taken from
    // the source manager, so the manager is only written by the first, single-threaded check.
    std::lock_guard<std::mutex> guard(sourcesLock());
    for (diag::FileId id = 0; id < program.sources->size(); ++id)
      if (program.sources->path(id) == t.path)
        return readCsv(std::move(t), program.sources->text(id), id, diags);
  }
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || fs::is_directory(path, ec)) {
    diags.error(at, fmt::format("cannot read `{}`{}", t.path,
                                fs::exists(path, ec) ? "" : ": no such file"));
    diags.note("a data file's path is relative to the folder of the model file");
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string bytes = buffer.str();
  if (path.extension() == ".npy") {
    t.csv = false;
    return readNpy(std::move(t), bytes, diags);
  }
  if (!csv) {
    diags.error(at, fmt::format("`{}`: a data file is a .csv or a .npy file", written));
    return std::nullopt;
  }
  std::lock_guard<std::mutex> guard(sourcesLock());
  diag::FileId file = program.sources->add(t.path, bytes);
  return readCsv(std::move(t), program.sources->text(file), file, diags);
}

} // namespace nj::sema

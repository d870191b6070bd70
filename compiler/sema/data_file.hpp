// Tables of numbers read from data files a network names: a connection's synapse list
// (`from "pairs.csv"`) and a SpikeGenerator's spikes (`file = "spikes.csv"`).
//
// .csv: comma-separated numbers, one row per line; blank lines and lines starting with `#` are
// skipped. The first line may be a header naming the columns, each `name` or `name [unit]`
// (`pre, post, w [nS], delay [ms]`); it is a header when its first field is not a number. Every
// row has the same number of fields. The file joins the SourceManager, so an error in it is
// reported at its line and column with the line quoted.
// .npy: a 1-D or 2-D array (numpy.save) of little-endian integers or floats, C or Fortran order;
// no column names. Errors name the row and point at the file name in the model.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/program.hpp"

#include <optional>
#include <string>
#include <vector>

namespace nj::sema {

struct DataTable {
  std::string path; // as opened
  bool csv = true;
  std::vector<std::string> names; // header names; empty without a header
  std::vector<std::string> units; // per named column, the unit text ("" without)
  std::vector<diag::SourceRange> headerRanges;
  std::vector<std::vector<double>> columns;
  std::vector<std::vector<diag::SourceRange>> cells; // csv: the range of each value, by column
  diag::SourceRange at;                              // where the model names the file
  std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  std::size_t width() const { return columns.size(); }
  // The range to report a problem with value `row` of column `col`: the cell in a .csv, the
  // file name in the model for a .npy.
  diag::SourceRange cell(std::size_t col, std::size_t row) const {
    return csv ? cells[col][row] : at;
  }
};

// Reads `written` (a path relative to the folder of the file containing `at`); reports a missing
// or malformed file in `diags` and returns nullopt.
std::optional<DataTable> readDataTable(const std::string& written, diag::SourceRange at,
                                       const Program& program, diag::Diagnostics& diags);

// "row 12 of pairs.npy" / "" for csv (whose ranges already say where).
std::string rowLabel(const DataTable& t, std::size_t row);

} // namespace nj::sema

#include "analysis/report.hpp"

#include "analysis/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/npy.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::analysis {

namespace {

using io::Json;
namespace fs = std::filesystem;
using io::gnuplotName;
using io::gnuplotQuote;

// An axis label: the name shown as written, the unit with its enhanced-text superscripts.
std::string label(const Quantity& q) {
  return q.unit.empty() ? gnuplotName(q.name) : fmt::format("{} ({})", gnuplotName(q.name), q.unit);
}
std::string show(const Quantity& q, double si) {
  return q.unit.empty() ? fmt::format("{:.10g}", si)
                        : fmt::format("{:.10g} {}", si / q.scale, q.unit);
}

Json vecJson(const Eigen::VectorXd& v) {
  Json a = Json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i)
    a.push(Json(v[i]));
  return a;
}
Json eigJson(const Eigen::VectorXcd& v) {
  Json a = Json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    Json c = Json::array();
    c.push(Json(v[i].real()));
    c.push(Json(v[i].imag()));
    a.push(c);
  }
  return a;
}
Json quantities(const std::vector<Quantity>& qs) {
  Json a = Json::array();
  for (const auto& q : qs) {
    Json o = Json::object();
    o.set("name", q.name);
    o.set("unit", q.unit);
    o.set("scale", q.scale);
    a.push(o);
  }
  return a;
}

Json header(const char* kind, const DynamicalSystem& s, const ReportInfo& info) {
  Json j = Json::object();
  j.set("format", "neurojit-analysis/1");
  j.set("kind", kind);
  j.set("model", s.modelName());
  j.set("model_file", info.modelFile);
  j.set("command", info.command);
  j.set("values",
        "SI (plain models: as written, time in ms); eigenvalues per display time unit (1/ms)");
  j.set("variables", quantities(s.variables()));
  j.set("parameters", quantities(s.freeParameters()));
  Json set = Json::object();
  for (const auto& [k, v] : info.settings)
    set.set(k, v);
  j.set("settings", set);
  return j;
}

void writeText(const fs::path& p, const std::string& text) {
  io::writeFileAtomically(p, text);
}

class Plots {
public:
  Plots(fs::path dir, bool enabled) : dir_(std::move(dir) / "plots"), enabled_(enabled) {
    if (enabled_) fs::create_directories(dir_);
  }
  bool enabled() const { return enabled_; }
  void data(const std::string& name, const std::string& text) {
    if (enabled_) writeText(dir_ / name, text);
  }
  void figure(const std::string& stem, const std::string& body, int w = 900, int h = 640) {
    if (!enabled_) return;
    writeText(dir_ / (stem + ".gp"), io::gnuplotScript(stem, body, {"png", "svg"}, w, h));
    stems_.push_back(stem);
  }
  void render(ReportResult& r) {
    if (!enabled_) return;
    auto gp = io::findProgram("gnuplot");
    if (!gp) {
      r.plotMessage = fmt::format("gnuplot not found: the scripts are in {}", dir_.string());
      return;
    }
    for (const auto& s : stems_) {
      auto run = io::runGnuplot(*gp, dir_, s + ".gp");
      if (!run.ok)
        r.plotMessage += fmt::format("{}: {}\n", s, run.message);
      else
        r.images.push_back(dir_ / (s + ".png"));
    }
  }

private:
  fs::path dir_;
  bool enabled_;
  std::vector<std::string> stems_;
};

const char* kColorStable = "#1f77b4";
const char* kColorUnstable = "#d62728";

std::string pointStyle(Stability s) {
  switch (s) {
  case Stability::StableNode:
    return "pt 7 ps 1.8 lc rgb 'black'";
  case Stability::StableFocus:
    return "pt 9 ps 2.0 lc rgb 'black'";
  case Stability::UnstableNode:
    return "pt 6 ps 1.8 lc rgb 'black'";
  case Stability::UnstableFocus:
    return "pt 8 ps 2.0 lc rgb 'black'";
  case Stability::Saddle:
    return "pt 3 ps 2.0 lw 2 lc rgb 'black'";
  case Stability::Center:
    return "pt 12 ps 2.0 lc rgb 'black'";
  case Stability::NonHyperbolic:
    return "pt 4 ps 1.8 lc rgb '#9467bd'";
  }
  return "pt 7";
}

} // namespace

std::string describeFixedPoints(const DynamicalSystem& s, const std::vector<FixedPoint>& fps) {
  std::string out;
  if (fps.empty()) return "no fixed points in the box\n";
  for (const auto& f : fps) {
    std::vector<std::string> xs, ls;
    for (std::size_t i = 0; i < s.dimension(); ++i)
      xs.push_back(fmt::format("{} = {}", s.variables()[i].name,
                               show(s.variables()[i], f.x[static_cast<Eigen::Index>(i)])));
    for (const auto& l : f.c.eigenvalues)
      ls.push_back(l.imag() == 0 ? fmt::format("{:.6g}", l.real() * s.time().scale)
                                 : fmt::format("{:.6g}{:+.6g}i", l.real() * s.time().scale,
                                               l.imag() * s.time().scale));
    out += fmt::format("fixed point {}: {} (eigenvalues {} per ms)\n", fmt::join(xs, ", "),
                       stabilityName(f.c.type), fmt::join(ls, ", "));
  }
  return out;
}

std::string describeDiagram(const DynamicalSystem& s, const BifurcationDiagram& d) {
  std::string out;
  const Quantity& pq = s.freeParameters()[0];
  for (std::size_t b = 0; b < d.branches.size(); ++b)
    out += fmt::format("branch {}: {} points; {}\n", b, d.branches[b].points.size(),
                       d.branches[b].end);
  for (const auto& sp : d.special) {
    std::vector<std::string> xs;
    for (std::size_t i = 0; i < s.dimension(); ++i)
      xs.push_back(fmt::format("{} = {}", s.variables()[i].name,
                               show(s.variables()[i], sp.x[static_cast<Eigen::Index>(i)])));
    out += fmt::format("{} ({}) at {} = {}: {}", specialKindName(sp.kind),
                       specialKindLabel(sp.kind), pq.name, show(pq, sp.p), fmt::join(xs, ", "));
    if (sp.kind == SpecialKind::Hopf)
      out += fmt::format("; period {}{}", show(s.time(), 2 * M_PI / sp.omega),
                         sp.criticality.empty() ? "" : "; " + sp.criticality);
    out += "\n";
  }
  for (const auto& c : d.cycles) {
    if (c.points.empty()) {
      out += fmt::format("cycles from H at {}: none ({})\n", show(pq, d.special[c.hopf].p), c.end);
      continue;
    }
    double tmin = INFINITY, tmax = 0, pmin = INFINITY, pmax = -INFINITY;
    for (const auto& p : c.points)
      tmin = std::min(tmin, p.period), tmax = std::max(tmax, p.period), pmin = std::min(pmin, p.p),
      pmax = std::max(pmax, p.p);
    out += fmt::format("cycles from H at {}: {} orbits over {} … {}, period {} … {}; {}\n",
                       show(pq, d.special[c.hopf].p), c.points.size(), show(pq, pmin),
                       show(pq, pmax), show(s.time(), tmin), show(s.time(), tmax), c.end);
  }
  for (const auto& n : d.notes)
    out += n + "\n";
  return out;
}

namespace {

// A 3-D phase portrait as its projections on the (x, y), (x, z) and (y, z) planes: the
// trajectories and the fixed points by type, one figure each (projection_X_Y).
void projections(const DynamicalSystem& s, const PhasePlane& pp, const Box& box, Plots& plots) {
  const std::size_t pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
  for (const auto& pr : pairs) {
    const Quantity& qa = s.variables()[pr[0]];
    const Quantity& qb = s.variables()[pr[1]];
    auto ia = static_cast<Eigen::Index>(pr[0]), ib = static_cast<Eigen::Index>(pr[1]);
    std::string stem = fmt::format("projection_{}_{}", qa.name, qb.name);
    std::vector<std::string> parts;
    for (std::size_t k = 0; k < pp.trajectories.size(); ++k) {
      std::string d;
      for (const auto& x : pp.trajectories[k].x)
        d += fmt::format("{} {}\n", x[ia] / qa.scale, x[ib] / qb.scale);
      std::string file = fmt::format("{}_trajectory_{}.dat", stem, k);
      plots.data(file, d);
      parts.push_back(fmt::format("{} with lines lw 1.2 lc rgb '#2ca02c' {}", gnuplotQuote(file),
                                  k == 0 ? "title 'trajectories'" : "notitle"));
    }
    std::map<Stability, std::string> byType;
    for (const auto& f : pp.fixedPoints)
      byType[f.c.type] += fmt::format("{} {}\n", f.x[ia] / qa.scale, f.x[ib] / qb.scale);
    for (const auto& [type, d] : byType) {
      std::string file = fmt::format("{}_fixed_{}.dat", stem, static_cast<int>(type));
      plots.data(file, d);
      parts.push_back(fmt::format("{} with points {} title {}", gnuplotQuote(file),
                                  pointStyle(type), gnuplotQuote(stabilityName(type))));
    }
    if (parts.empty()) parts.push_back("NaN notitle");
    std::string body = fmt::format(
        "set title {}\nset xlabel {}\nset ylabel {}\nset xrange [{}:{}]\nset yrange [{}:{}]\nset "
        "key outside right top\nset grid\nplot {}\n",
        gnuplotQuote(fmt::format("{}: projection on ({}, {})", s.modelName(), qa.name, qb.name)),
        gnuplotQuote(label(qa)), gnuplotQuote(label(qb)), box[pr[0]].first / qa.scale,
        box[pr[0]].second / qa.scale, box[pr[1]].first / qb.scale, box[pr[1]].second / qb.scale,
        fmt::join(parts, ", \\\n  "));
    plots.figure(stem, body, 1000, 700);
  }
}

} // namespace

ReportResult writePhasePlane(const fs::path& dir, const DynamicalSystem& s, const PhasePlane& pp,
                             const Box& box, const ReportInfo& info) {
  fs::create_directories(dir);
  ReportResult r;
  Json j = header("phase-plane", s, info);
  std::size_t n = s.dimension();
  Json boxJ = Json::array();
  for (auto [lo, hi] : box) {
    Json b = Json::array();
    b.push(Json(lo));
    b.push(Json(hi));
    boxJ.push(b);
  }
  j.set("box", boxJ);
  Json files = Json::array();
  // Fixed points.
  Json fpj = Json::array();
  std::vector<double> fpData;
  for (const auto& f : pp.fixedPoints) {
    Json o = Json::object();
    o.set("x", vecJson(f.x));
    o.set("type", stabilityName(f.c.type));
    o.set("stable", isStable(f.c.type));
    o.set("eigenvalues", eigJson(f.c.eigenvalues * s.time().scale));
    o.set("residual", f.residual);
    fpj.push(o);
    for (Eigen::Index i = 0; i < f.x.size(); ++i)
      fpData.push_back(f.x[i]);
  }
  j.set("fixed_points", fpj);
  io::writeNpy(dir / "fixed_points.npy", fpData, {pp.fixedPoints.size(), n});
  files.push("fixed_points.npy");
  // Nullclines.
  Json ncj = Json::array();
  for (const auto& nc : pp.nullclines) {
    std::vector<double> seg;
    for (const auto& sg : nc.segments)
      seg.insert(seg.end(), {sg.x0, sg.y0, sg.x1, sg.y1});
    std::string file = fmt::format("nullcline_{}.npy", s.variables()[nc.variable].name);
    io::writeNpy(dir / file, seg, {nc.segments.size(), 4});
    files.push(file);
    Json o = Json::object();
    o.set("variable", s.variables()[nc.variable].name);
    o.set("file", file);
    o.set("segments", static_cast<std::uint64_t>(nc.segments.size()));
    if (!nc.note.empty()) o.set("note", nc.note);
    ncj.push(o);
  }
  j.set("nullclines", ncj);
  {
    std::vector<double> f;
    for (std::size_t i = 0; i < pp.field.x.size(); ++i)
      f.insert(f.end(), {pp.field.x[i], pp.field.y[i], pp.field.u[i], pp.field.v[i]});
    io::writeNpy(dir / "vector_field.npy", f, {pp.field.x.size(), 4});
    files.push("vector_field.npy");
  }
  Json tj = Json::array();
  for (std::size_t k = 0; k < pp.trajectories.size(); ++k) {
    const Orbit& o = pp.trajectories[k];
    std::vector<double> data;
    for (std::size_t i = 0; i < o.t.size(); ++i) {
      data.push_back(o.t[i]);
      for (Eigen::Index c = 0; c < o.x[i].size(); ++c)
        data.push_back(o.x[i][c]);
    }
    std::string file = fmt::format("trajectory_{}.npy", k);
    io::writeNpy(dir / file, data, {o.t.size(), n + 1});
    files.push(file);
    Json t = Json::object();
    t.set("file", file);
    t.set("start", vecJson(o.x.front()));
    t.set("completed", o.completed);
    if (!o.message.empty()) t.set("message", o.message);
    if (pp.cycles[k]) {
      Json c = Json::object();
      c.set("period", pp.cycles[k]->period);
      c.set("min", vecJson(pp.cycles[k]->min));
      c.set("max", vecJson(pp.cycles[k]->max));
      t.set("limit_cycle", c);
    } else {
      t.set("limit_cycle", Json());
    }
    tj.push(t);
  }
  j.set("trajectories", tj);
  Json notes = Json::array();
  for (const auto& note : pp.notes)
    notes.push(note);
  j.set("notes", notes);
  j.set("files", files);

  Plots plots(dir, info.plot);
  if (plots.enabled()) {
    const Quantity& qx = s.variables()[0];
    std::vector<std::string> parts;
    double wx = (box[0].second - box[0].first) / qx.scale;
    if (n == 2) {
      const Quantity& qy = s.variables()[1];
      double wy = (box[1].second - box[1].first) / qy.scale;
      std::string field;
      double cell = 0.8 / std::max(pp.field.nx, pp.field.ny);
      for (std::size_t i = 0; i < pp.field.x.size(); ++i) {
        double u = pp.field.u[i] / qx.scale / wx, v = pp.field.v[i] / qy.scale / wy;
        double len = std::hypot(u, v);
        if (!(len > 0) || !std::isfinite(len)) continue;
        field += fmt::format("{} {} {} {}\n", pp.field.x[i] / qx.scale, pp.field.y[i] / qy.scale,
                             u / len * cell * wx, v / len * cell * wy);
      }
      plots.data("field.dat", field);
      parts.push_back("'field.dat' using 1:2:3:4 with vectors head size screen 0.008,20 lc rgb "
                      "'#b0b0b0' title 'vector field'");
      const char* colors[] = {"#d62728", "#1f77b4"};
      for (const auto& nc : pp.nullclines) {
        if (nc.segments.empty()) continue;
        std::string d;
        for (const auto& sg : nc.segments)
          d += fmt::format("{} {}\n{} {}\n\n", sg.x0 / qx.scale, sg.y0 / qy.scale, sg.x1 / qx.scale,
                           sg.y1 / qy.scale);
        std::string file = fmt::format("nullcline_{}.dat", nc.variable);
        plots.data(file, d);
        parts.push_back(fmt::format(
            "{} with lines lw 2.5 lc rgb '{}' title {}", gnuplotQuote(file), colors[nc.variable],
            gnuplotQuote(fmt::format("d{}/dt = 0", s.variables()[nc.variable].name))));
      }
      for (std::size_t k = 0; k < pp.trajectories.size(); ++k) {
        std::string d;
        for (const auto& x : pp.trajectories[k].x)
          d += fmt::format("{} {}\n", x[0] / qx.scale, x[1] / qy.scale);
        std::string file = fmt::format("trajectory_{}.dat", k);
        plots.data(file, d);
        parts.push_back(fmt::format("{} with lines lw 1.5 lc rgb '#2ca02c' {}", gnuplotQuote(file),
                                    k == 0 ? "title 'trajectories'" : "notitle"));
      }
      std::map<Stability, std::string> byType;
      for (const auto& f : pp.fixedPoints)
        byType[f.c.type] += fmt::format("{} {}\n", f.x[0] / qx.scale, f.x[1] / qy.scale);
      for (const auto& [type, d] : byType) {
        std::string file = fmt::format("fixed_{}.dat", static_cast<int>(type));
        plots.data(file, d);
        parts.push_back(fmt::format("{} with points {} title {}", gnuplotQuote(file),
                                    pointStyle(type), gnuplotQuote(stabilityName(type))));
      }
      std::string body = fmt::format(
          "set title {}\nset xlabel {}\nset ylabel {}\nset xrange [{}:{}]\nset yrange [{}:{}]\nset "
          "key outside right top\nset grid\nplot {}\n",
          gnuplotQuote(gnuplotName(fmt::format("{}: phase plane", s.modelName()))),
          gnuplotQuote(label(qx)), gnuplotQuote(label(qy)), box[0].first / qx.scale,
          box[0].second / qx.scale, box[1].first / qy.scale, box[1].second / qy.scale,
          fmt::join(parts, ", \\\n  "));
      plots.figure("phase_plane", body, 1000, 700);
    } else if (n == 3) {
      projections(s, pp, box, plots);
    } else {
      std::string d;
      for (std::size_t i = 0; i < pp.field.x.size(); ++i)
        d += fmt::format("{} {}\n", pp.field.x[i] / qx.scale,
                         pp.field.u[i] / qx.scale * s.time().scale);
      plots.data("rhs.dat", d);
      parts.push_back(fmt::format("'rhs.dat' with lines lw 2 lc rgb '#1f77b4' title {}",
                                  gnuplotQuote(fmt::format("d{}/dt", qx.name))));
      parts.push_back("0 with lines lc rgb 'gray' notitle");
      std::map<Stability, std::string> byType;
      for (const auto& f : pp.fixedPoints)
        byType[f.c.type] += fmt::format("{} 0\n", f.x[0] / qx.scale);
      for (const auto& [type, dd] : byType) {
        std::string file = fmt::format("fixed_{}.dat", static_cast<int>(type));
        plots.data(file, dd);
        parts.push_back(fmt::format("{} with points {} title {}", gnuplotQuote(file),
                                    pointStyle(type), gnuplotQuote(stabilityName(type))));
      }
      std::string body = fmt::format(
          "set title {}\nset xlabel {}\nset ylabel {}\nset xrange [{}:{}]\nset grid\nplot {}\n",
          gnuplotQuote(gnuplotName(fmt::format("{}: phase line", s.modelName()))),
          gnuplotQuote(label(qx)),
          gnuplotQuote(fmt::format("d{}/dt{}", qx.name,
                                   qx.unit.empty() ? "" : fmt::format(" ({}/ms)", qx.unit))),
          box[0].first / qx.scale, box[0].second / qx.scale, fmt::join(parts, ", \\\n  "));
      plots.figure("phase_line", body);
    }
    plots.render(r);
  }
  writeText(dir / "analysis.json", j.dump(2) + "\n");
  r.manifest = std::move(j);
  return r;
}

namespace {

// Equilibrium branches of one variable against p, as stable / unstable polylines (display units).
void branchData(const DynamicalSystem& s, const BifurcationDiagram& d, std::size_t var,
                std::string& stable, std::string& unstable) {
  const Quantity& pq = s.freeParameters()[0];
  const Quantity& xq = s.variables()[var];
  auto v = static_cast<Eigen::Index>(var);
  for (const auto& b : d.branches) {
    for (std::size_t i = 0; i < b.points.size(); ++i) {
      const auto& pt = b.points[i];
      std::string line = fmt::format("{} {}\n", pt.p / pq.scale, pt.x[v] / xq.scale);
      std::string& mine = pt.stable ? stable : unstable;
      std::string& other = pt.stable ? unstable : stable;
      if (i > 0 && b.points[i - 1].stable != pt.stable) {
        // Close the other style's run at this point, and start ours from the previous one.
        other += line + "\n";
        mine +=
            fmt::format("{} {}\n", b.points[i - 1].p / pq.scale, b.points[i - 1].x[v] / xq.scale);
      }
      mine += line;
    }
    stable += "\n";
    unstable += "\n";
  }
}

std::string bifurcationBody(const DynamicalSystem& s, const BifurcationDiagram& d, std::size_t var,
                            Plots& plots, const std::string& suffix, const std::string& extraPlot,
                            const std::string& title, const std::string& xlabel) {
  const Quantity& pq = s.freeParameters()[0];
  const Quantity& xq = s.variables()[var];
  auto v = static_cast<Eigen::Index>(var);
  std::string st, un;
  branchData(s, d, var, st, un);
  plots.data("eq_stable" + suffix + ".dat", st);
  plots.data("eq_unstable" + suffix + ".dat", un);
  std::vector<std::string> parts;
  if (!extraPlot.empty()) parts.push_back(extraPlot);
  parts.push_back(
      fmt::format("'eq_stable{}.dat' with lines lw 2.5 dt 1 lc rgb '{}' title 'stable equilibria'",
                  suffix, kColorStable));
  parts.push_back(fmt::format(
      "'eq_unstable{}.dat' with lines lw 2 dt 2 lc rgb '{}' title 'unstable equilibria'", suffix,
      kColorUnstable));
  std::string cs, cu;
  for (const auto& c : d.cycles)
    for (const auto& cp : c.points) {
      std::string& t = cp.stable ? cs : cu;
      t += fmt::format("{} {} {}\n", cp.p / pq.scale, cp.min[v] / xq.scale, cp.max[v] / xq.scale);
    }
  if (!cs.empty()) {
    plots.data("cycles_stable" + suffix + ".dat", cs);
    parts.push_back(
        fmt::format("'cycles_stable{0}.dat' using 1:2 with points pt 7 ps 0.6 lc rgb '#2ca02c' "
                    "title 'stable cycles (min, max)', 'cycles_stable{0}.dat' using 1:3 with "
                    "points pt 7 ps 0.6 lc rgb '#2ca02c' notitle",
                    suffix));
  }
  if (!cu.empty()) {
    plots.data("cycles_unstable" + suffix + ".dat", cu);
    parts.push_back(
        fmt::format("'cycles_unstable{0}.dat' using 1:2 with points pt 6 ps 0.6 lc rgb '#ff7f0e' "
                    "title 'unstable cycles (min, max)', 'cycles_unstable{0}.dat' using 1:3 with "
                    "points pt 6 ps 0.6 lc rgb '#ff7f0e' notitle",
                    suffix));
  }
  std::string labels;
  for (const auto& sp : d.special) {
    double px = sp.p / pq.scale, py = sp.x[v] / xq.scale;
    labels +=
        fmt::format("set label {} at {},{} point pt 7 ps 1.2 lc rgb 'black' offset 0.6,0.6 front\n",
                    gnuplotQuote(specialKindLabel(sp.kind)), px, py);
  }
  return fmt::format("set title {}\nset xlabel {}\nset ylabel {}\nset key outside right top\nset "
                     "grid\n{}plot {}\n",
                     gnuplotQuote(gnuplotName(title)), gnuplotQuote(xlabel),
                     gnuplotQuote(label(xq)), labels, fmt::join(parts, ", \\\n  "));
}

Json diagramJson(const DynamicalSystem& s, const BifurcationDiagram& d, const fs::path& dir,
                 Json& files) {
  Json j = Json::object();
  std::size_t n = s.dimension();
  Json branches = Json::array();
  for (std::size_t b = 0; b < d.branches.size(); ++b) {
    std::vector<double> data;
    for (const auto& pt : d.branches[b].points) {
      data.push_back(pt.p);
      for (Eigen::Index i = 0; i < pt.x.size(); ++i)
        data.push_back(pt.x[i]);
      data.push_back(pt.stable ? 1.0 : 0.0);
      data.push_back(pt.eigenvalues.size() > 0 ? pt.eigenvalues[0].real() : 0.0);
    }
    std::string file = fmt::format("branch_{}.npy", b);
    io::writeNpy(dir / file, data, {d.branches[b].points.size(), n + 3});
    files.push(file);
    Json o = Json::object();
    o.set("file", file);
    o.set("columns", fmt::format("p, x[{}], stable, max Re(eigenvalue) per ms", n));
    o.set("points", static_cast<std::uint64_t>(d.branches[b].points.size()));
    o.set("end", d.branches[b].end);
    branches.push(o);
  }
  j.set("branches", branches);
  Json special = Json::array();
  for (const auto& sp : d.special) {
    Json o = Json::object();
    o.set("type", specialKindName(sp.kind));
    o.set("label", specialKindLabel(sp.kind));
    o.set("branch", static_cast<std::uint64_t>(sp.branch));
    o.set("p", sp.p);
    o.set("x", vecJson(sp.x));
    o.set("eigenvalues", eigJson(sp.eigenvalues));
    o.set("test_function", sp.testValue);
    if (sp.kind == SpecialKind::Hopf) {
      o.set("omega", sp.omega);
      o.set("period", 2 * M_PI / sp.omega);
      o.set("criticality", sp.criticality);
    }
    special.push(o);
  }
  j.set("special_points", special);
  Json cycles = Json::array();
  for (std::size_t c = 0; c < d.cycles.size(); ++c) {
    std::vector<double> data;
    for (const auto& cp : d.cycles[c].points) {
      data.push_back(cp.p);
      data.push_back(cp.period);
      for (Eigen::Index i = 0; i < cp.min.size(); ++i)
        data.push_back(cp.min[i]);
      for (Eigen::Index i = 0; i < cp.max.size(); ++i)
        data.push_back(cp.max[i]);
      data.push_back(cp.stable ? 1.0 : 0.0);
    }
    std::string file = fmt::format("cycles_{}.npy", c);
    io::writeNpy(dir / file, data, {d.cycles[c].points.size(), 2 * n + 3});
    files.push(file);
    Json o = Json::object();
    o.set("hopf", static_cast<std::uint64_t>(d.cycles[c].hopf));
    o.set("file", file);
    o.set("columns", fmt::format("p, period, min x[{0}], max x[{0}], stable", n));
    o.set("points", static_cast<std::uint64_t>(d.cycles[c].points.size()));
    o.set("end", d.cycles[c].end);
    cycles.push(o);
  }
  j.set("cycles", cycles);
  double where = 0;
  std::string onset = onsetType(d, &where);
  Json on = Json::object();
  on.set("type", onset);
  if (onset != "none") on.set("p", where);
  j.set("onset", on);
  Json notes = Json::array();
  for (const auto& note : d.notes)
    notes.push(note);
  j.set("notes", notes);
  return j;
}

// Curves as curve_K.npy (p1, p2, x…, kind, ω) and the codimension-2 points.
Json codim2Json(const DynamicalSystem& s, const Codim2Diagram& d, const fs::path& dir,
                Json& files) {
  Json j = Json::object();
  std::size_t n = s.dimension();
  Json curves = Json::array();
  for (std::size_t c = 0; c < d.curves.size(); ++c) {
    std::vector<double> data;
    for (const auto& pt : d.curves[c].points) {
      data.push_back(pt.p1);
      data.push_back(pt.p2);
      for (Eigen::Index i = 0; i < pt.x.size(); ++i)
        data.push_back(pt.x[i]);
      data.push_back(d.curves[c].kind == CurveKind::Fold ? 0.0 : pt.neutralSaddle ? 2.0 : 1.0);
      data.push_back(pt.omega);
    }
    std::string file = fmt::format("curve_{}.npy", c);
    io::writeNpy(dir / file, data, {d.curves[c].points.size(), n + 4});
    files.push(file);
    Json o = Json::object();
    o.set("type", curveKindName(d.curves[c].kind));
    o.set("file", file);
    o.set("columns",
          fmt::format("p1, p2, x[{}], kind (0 fold, 1 Hopf, 2 neutral saddle), omega (rad per "
                      "time unit)",
                      n));
    o.set("points", static_cast<std::uint64_t>(d.curves[c].points.size()));
    o.set("end", d.curves[c].end);
    curves.push(o);
  }
  j.set("curves", curves);
  Json points = Json::array();
  for (const auto& p : d.points) {
    Json o = Json::object();
    o.set("type", codim2KindName(p.kind));
    o.set("label", codim2KindLabel(p.kind));
    o.set("curve", static_cast<std::uint64_t>(p.curve));
    o.set("p1", p.p1);
    o.set("p2", p.p2);
    o.set("x", vecJson(p.x));
    o.set("eigenvalues", eigJson(p.eigenvalues));
    points.push(o);
  }
  j.set("points", points);
  Json notes = Json::array();
  for (const auto& note : d.notes)
    notes.push(note);
  j.set("notes", notes);
  return j;
}

// Gnuplot plot clauses drawing the curves (fold black, Hopf red, neutral saddle dashed grey) and
// labelled codimension-2 points over the grid.
std::string curvePlot(const DynamicalSystem& s, const Codim2Diagram& d, Plots& plots) {
  const Quantity& a = s.freeParameters()[0];
  const Quantity& b = s.freeParameters()[1];
  std::string clauses;
  bool titled[3] = {false, false, false};
  const char* styles[3] = {"lw 2.5 lc rgb 'black'", "lw 2.5 lc rgb '#d62728'",
                           "lw 1.5 dt 2 lc rgb '#555555'"};
  const char* titles[3] = {"fold", "Hopf", "neutral saddle"};
  for (std::size_t c = 0; c < d.curves.size(); ++c) {
    // One data block per run of the same kind, so that the style follows the kind.
    std::string text;
    std::vector<int> kinds;
    int last = -1;
    std::string previous;
    for (const auto& pt : d.curves[c].points) {
      int k = d.curves[c].kind == CurveKind::Fold ? 0 : pt.neutralSaddle ? 2 : 1;
      // A new block starts at the previous point, so that the runs join.
      if (k != last && last != -1) text += "\n\n" + previous;
      if (k != last) kinds.push_back(k);
      last = k;
      previous = fmt::format("{} {}\n", pt.p1 / a.scale, pt.p2 / b.scale);
      text += previous;
    }
    std::string file = fmt::format("curve_{}.dat", c);
    plots.data(file, text);
    for (std::size_t blk = 0; blk < kinds.size(); ++blk) {
      int k = kinds[blk];
      clauses += fmt::format(", '{}' index {} using 1:2 with lines {} {}", file, blk, styles[k],
                             titled[k] ? "notitle" : fmt::format("title '{}'", titles[k]));
      titled[k] = true;
    }
  }
  if (!d.points.empty()) {
    std::string text;
    for (const auto& p : d.points)
      text += fmt::format("{} {} {}\n", p.p1 / a.scale, p.p2 / b.scale, codim2KindLabel(p.kind));
    plots.data("codim2_points.dat", text);
    clauses += ", 'codim2_points.dat' using 1:2 with points pt 7 ps 1.5 lc rgb 'black' notitle, "
               "'codim2_points.dat' using 1:2:3 with labels offset 1.2,0.8 notitle";
  }
  return clauses;
}

} // namespace

ReportResult writeBifurcation(const fs::path& dir, const DynamicalSystem& s,
                              const BifurcationDiagram& d, const ReportInfo& info) {
  fs::create_directories(dir);
  ReportResult r;
  Json j = header("bifurcation", s, info);
  Json files = Json::array();
  j.set("diagram", diagramJson(s, d, dir, files));
  j.set("files", files);
  Plots plots(dir, info.plot);
  if (plots.enabled()) {
    for (std::size_t v = 0; v < s.dimension(); ++v) {
      std::string suffix = "_" + s.variables()[v].name;
      plots.figure(
          "bifurcation" + suffix,
          bifurcationBody(s, d, v, plots, suffix, "",
                          fmt::format("{}: bifurcation diagram in {}", s.modelName(), d.parameter),
                          label(s.freeParameters()[0])));
    }
    plots.render(r);
  }
  writeText(dir / "analysis.json", j.dump(2) + "\n");
  r.manifest = std::move(j);
  return r;
}

ReportResult writeFastSlow(const fs::path& dir, const DynamicalSystem& fast,
                           const DynamicalSystem& full, const FastSlow& f, const ReportInfo& info) {
  fs::create_directories(dir);
  ReportResult r;
  Json j = header("fast-slow", fast, info);
  Json files = Json::array();
  j.set("fast_subsystem", diagramJson(fast, f.fast, dir, files));
  std::size_t m = full.dimension();
  std::vector<double> data;
  for (std::size_t i = 0; i < f.full.t.size(); ++i) {
    data.push_back(f.full.t[i]);
    for (Eigen::Index c = 0; c < f.full.x[i].size(); ++c)
      data.push_back(f.full.x[i][c]);
  }
  io::writeNpy(dir / "trajectory.npy", data, {f.full.t.size(), m + 1});
  files.push("trajectory.npy");
  Json tj = Json::object();
  tj.set("file", "trajectory.npy");
  tj.set("columns", "t, fast variables, slow variable");
  tj.set("spikes", static_cast<std::uint64_t>(f.spikeTimes.size()));
  Json bs = Json::array();
  for (auto b : f.burstSizes)
    bs.push(static_cast<std::uint64_t>(b));
  tj.set("spikes_per_burst", bs);
  if (!f.full.message.empty()) tj.set("message", f.full.message);
  j.set("trajectory", tj);
  j.set("files", files);
  Plots plots(dir, info.plot);
  if (plots.enabled()) {
    const Quantity& zq = full.variables()[m - 1];
    for (std::size_t v = 0; v < fast.dimension(); ++v) {
      const Quantity& xq = full.variables()[v];
      std::string suffix = "_" + xq.name;
      std::string traj;
      for (const auto& x : f.full.x)
        traj += fmt::format("{} {}\n", x[static_cast<Eigen::Index>(m - 1)] / zq.scale,
                            x[static_cast<Eigen::Index>(v)] / xq.scale);
      plots.data("full" + suffix + ".dat", traj);
      plots.figure(
          "fast_slow" + suffix,
          bifurcationBody(
              fast, f.fast, v, plots, suffix,
              fmt::format(
                  "'full{}.dat' with lines lw 0.8 lc rgb '#7f7f7f' title 'full system trajectory'",
                  suffix),
              fmt::format("{}: fast subsystem in {} with the full trajectory", fast.modelName(),
                          zq.name),
              label(zq)),
          1000, 700);
    }
    std::string trace;
    const Quantity& xq = full.variables()[0];
    for (std::size_t i = 0; i < f.full.t.size(); ++i)
      trace += fmt::format("{} {} {}\n", f.full.t[i] / full.time().scale, f.full.x[i][0] / xq.scale,
                           f.full.x[i][static_cast<Eigen::Index>(m - 1)] / zq.scale);
    plots.data("trace.dat", trace);
    plots.figure(
        "trace",
        fmt::format("set title {}\nset xlabel 'time (ms)'\nset ylabel {}\nset y2label {}\nset "
                    "y2tics\nset ytics nomirror\nset key outside right top\nplot 'trace.dat' using "
                    "1:2 with lines lc rgb '#1f77b4' title {}, 'trace.dat' using 1:3 axes x1y2 "
                    "with lines lw 2 lc rgb '#d62728' title {}\n",
                    gnuplotQuote(gnuplotName(fmt::format("{}: full system", full.modelName()))),
                    gnuplotQuote(label(xq)), gnuplotQuote(label(zq)),
                    gnuplotQuote(gnuplotName(xq.name)), gnuplotQuote(gnuplotName(zq.name))),
        1100, 450);
    plots.render(r);
  }
  writeText(dir / "analysis.json", j.dump(2) + "\n");
  r.manifest = std::move(j);
  return r;
}

ReportResult writeEquilibriumGrid(const fs::path& dir, const DynamicalSystem& s,
                                  const EquilibriumGrid& g, const ReportInfo& info,
                                  const Codim2Diagram* curves) {
  fs::create_directories(dir);
  ReportResult r;
  Json j = header("two-parameter", s, info);
  std::vector<double> count(g.count.begin(), g.count.end()),
      stable(g.stable.begin(), g.stable.end());
  auto n1 = static_cast<std::uint64_t>(g.n1), n2 = static_cast<std::uint64_t>(g.n2);
  io::writeNpy(dir / "grid_count.npy", count, {n2, n1});
  io::writeNpy(dir / "grid_stable.npy", stable, {n2, n1});
  io::writeNpy(dir / "p1.npy", g.p1, {n1});
  io::writeNpy(dir / "p2.npy", g.p2, {n2});
  Json files = Json::array();
  for (const char* f : {"grid_count.npy", "grid_stable.npy", "p1.npy", "p2.npy"})
    files.push(f);
  if (curves != nullptr) j.set("codim2", codim2Json(s, *curves, dir, files));
  j.set("files", files);
  j.set("method", curves != nullptr
                      ? "dense grid: equilibria counted by Newton from seeds at every grid point; "
                        "fold and Hopf curves by pseudo-arclength continuation of their minimally "
                        "augmented defining systems"
                      : "dense grid: equilibria counted by Newton from seeds at every grid point "
                        "(no curve continuation)");
  Plots plots(dir, info.plot);
  if (plots.enabled()) {
    const Quantity& a = s.freeParameters()[0];
    const Quantity& b = s.freeParameters()[1];
    std::string d;
    for (int jj = 0; jj < g.n2; ++jj) {
      for (int i = 0; i < g.n1; ++i) {
        auto k = static_cast<std::size_t>(jj * g.n1 + i);
        // 0: none, then count*2 + (has a stable one ? 0 : 1)
        d += fmt::format("{} {} {}\n", g.p1[static_cast<std::size_t>(i)] / a.scale,
                         g.p2[static_cast<std::size_t>(jj)] / b.scale,
                         g.count[k] == 0 ? 0 : 2 * g.count[k] - (g.stable[k] > 0 ? 1 : 0));
      }
      d += "\n";
    }
    plots.data("grid.dat", d);
    plots.figure(
        "two_parameter",
        fmt::format(
            "set title {}\nset xlabel {}\nset ylabel {}\nset cblabel 'n equilibria: colour 2n-1 if "
            "one is stable, 2n if none is'\nset palette defined (0 'white', 1 '#c6dbef', 2 "
            "'#fdd0a2', 3 '#6baed6', 4 '#fd8d3c', 5 '#2171b5', 6 '#d94801')\nset cbrange "
            "[0:6]\nset view map\nplot 'grid.dat' using 1:2:3 with image notitle{}\n",
            gnuplotQuote(
                fmt::format("{}: equilibria over ({}, {})", s.modelName(), a.name, b.name)),
            gnuplotQuote(label(a)), gnuplotQuote(label(b)),
            curves != nullptr ? curvePlot(s, *curves, plots) : std::string()));
    plots.render(r);
  }
  writeText(dir / "analysis.json", j.dump(2) + "\n");
  r.manifest = std::move(j);
  return r;
}

std::string describeCodim2(const DynamicalSystem& s, const Codim2Diagram& d) {
  const Quantity& a = s.freeParameters()[0];
  const Quantity& b = s.freeParameters()[1];
  std::string out;
  for (std::size_t c = 0; c < d.curves.size(); ++c)
    out += fmt::format("{} curve {}: {} points ({})\n", curveKindName(d.curves[c].kind), c,
                       d.curves[c].points.size(), d.curves[c].end);
  for (const auto& p : d.points)
    out +=
        fmt::format("{} ({}) on curve {} at {} = {}, {} = {}\n", codim2KindName(p.kind),
                    codim2KindLabel(p.kind), p.curve, a.name, show(a, p.p1), b.name, show(b, p.p2));
  for (const auto& n : d.notes)
    out += fmt::format("note: {}\n", n);
  return out;
}

} // namespace nj::analysis

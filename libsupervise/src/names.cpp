// names.cpp — the stable-name table and the snapshot renderers.
#include "supervise/names.hpp"

#include <algorithm>
#include <map>

#include <caf/actor_config.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/make_actor.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/send.hpp>
#include <fmt/format.h>

#include "name_table.hpp"
#include "supervise/errc.hpp"

namespace supervise {

namespace detail {

namespace {

// Where a system's table owner sits in that system's registry.
constexpr caf::atom_value table_key = caf::atom("sv_nametab");

// Owns the table of one actor system. The system's registry holds the only
// reference, and the registry is a member of the system: the table goes with
// the system it belongs to, and every new system (even one built at the
// address of a dead one) starts from an empty table.
//
// A bare monitorable_actor made with make_actor, not a spawned actor: it is
// never scheduled and keeps no timers, so its destruction, which runs after
// the system's scheduler is gone, touches nothing of the system.
class table_owner final : public caf::monitorable_actor {
public:
  explicit table_owner(caf::actor_config& cfg)
      : caf::monitorable_actor(cfg), table(std::make_shared<name_table>()) {}

  ~table_owner() override {
    // Drop the handles now, not whenever the last engine lets go of the
    // table; outside the lock, as releasing a handle may destroy an actor.
    decltype(table->rows) rows;
    decltype(table->watchers) watchers;
    decltype(table->engines) engines;
    std::lock_guard<std::mutex> guard{table->mtx};
    rows.swap(table->rows);
    watchers.swap(table->watchers);
    engines.swap(table->engines);
  }

  // Anyone can find it in the registry; it takes no messages, and a request
  // gets an error rather than hanging.
  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit*) override {
    if (what)
      caf::detail::sync_request_bouncer{caf::sec::unexpected_message}(*what);
  }

  const char* name() const override { return "supervise_names"; }

  const std::shared_ptr<name_table> table;
};

std::shared_ptr<name_table> find_table(caf::actor_system& sys) {
  auto ptr = sys.registry().get<caf::strong_actor_ptr>(table_key);
  // dynamic_cast: the key is a plain atom, so check what sits there.
  auto* owner = ptr ? dynamic_cast<table_owner*>(ptr->get()) : nullptr;
  return owner ? owner->table : nullptr;
}

} // namespace

std::shared_ptr<name_table> name_table::of(caf::actor_system& sys) {
  if (auto t = find_table(sys))
    return t;
  // Only the first call on a system gets here; the lock keeps two first
  // callers from each making a table.
  static std::mutex mtx;
  std::lock_guard<std::mutex> guard{mtx};
  if (auto t = find_table(sys))
    return t;
  caf::actor_config cfg;
  cfg.flags |= caf::abstract_actor::is_hidden_flag; // internal, like CAF's own helpers
  auto owner = caf::make_actor<table_owner, caf::strong_actor_ptr>(sys.next_actor_id(),
                                                                   sys.node(), &sys, cfg);
  auto t = static_cast<table_owner*>(owner->get())->table;
  sys.registry().put(table_key, owner);
  return t;
}

void name_table::notify_locked(const std::string& dn, const caf::actor& actor) {
  if (watchers.empty())
    return; // the usual case: no hash of the DN on the restart path
  auto i = watchers.find(dn);
  if (i == watchers.end())
    return;
  for (auto& w : i->second)
    caf::anon_send(w, name_changed_atom::value, dn, actor);
}

void name_table::started(const std::string& dn, const void* owner, const caf::actor& actor,
                         uint64_t restarts, time_point now) {
  std::lock_guard<std::mutex> guard{mtx};
  auto& r = rows[dn];
  if (r.owner != owner) {
    r.owner = owner;
    r.seq = next_seq_++;
  }
  r.actor = actor;
  r.state = node_state::new_;
  r.restarts = restarts;
  r.since = now;
  notify_locked(dn, actor);
}

void name_table::state(const std::string& dn, const void* owner, node_state s, bool exited) {
  std::lock_guard<std::mutex> guard{mtx};
  auto i = rows.find(dn);
  if (i == rows.end() || i->second.owner != owner)
    return;
  i->second.state = s;
  if (exited && i->second.actor) {
    i->second.actor = nullptr;
    forget_location_locked(dn);
    notify_locked(dn, nullptr);
  }
}

void name_table::down(const std::string& dn, const void* owner) {
  std::lock_guard<std::mutex> guard{mtx};
  auto i = rows.find(dn);
  if (i == rows.end() || i->second.owner != owner || !i->second.actor)
    return;
  i->second.actor = nullptr;
  forget_location_locked(dn);
  notify_locked(dn, nullptr);
}

void name_table::add_engine(const std::string& top_dn, engine_entry x) {
  std::lock_guard<std::mutex> guard{mtx};
  engines[top_dn].push_back(std::move(x));
}

void name_table::remove_engine(const std::string& top_dn, const void* owner) {
  engine_entry gone; // released outside the lock: it holds an actor
  std::lock_guard<std::mutex> guard{mtx};
  auto i = engines.find(top_dn);
  if (i == engines.end())
    return;
  auto& v = i->second;
  auto x = std::find_if(v.begin(), v.end(), [&](const engine_entry& y) { return y.owner == owner; });
  if (x == v.end())
    return;
  gone = std::move(*x);
  v.erase(x);
  if (v.empty())
    engines.erase(i);
}

void name_table::reserve(size_t n) {
  std::lock_guard<std::mutex> guard{mtx};
  rows.reserve(rows.size() + n);
}

void name_table::erase(const std::string& dn, const void* owner) {
  std::lock_guard<std::mutex> guard{mtx};
  auto i = rows.find(dn);
  if (i == rows.end() || i->second.owner != owner)
    return;
  bool had_actor = static_cast<bool>(i->second.actor);
  rows.erase(i);
  forget_location_locked(dn);
  if (had_actor)
    notify_locked(dn, nullptr);
}

} // namespace detail

caf::expected<caf::actor> whereis(caf::actor_system& sys, const std::string& dn) {
  auto t = detail::name_table::of(sys);
  std::lock_guard<std::mutex> guard{t->mtx};
  auto i = t->rows.find(dn);
  if (i == t->rows.end())
    return make_error(errc::unknown_child, dn);
  if (!i->second.actor)
    return make_error(errc::not_running, dn);
  return i->second.actor;
}

void watch_name(caf::actor_system& sys, const std::string& dn, const caf::actor& listener) {
  auto t = detail::name_table::of(sys);
  std::lock_guard<std::mutex> guard{t->mtx};
  t->watchers[dn].push_back(listener);
  auto i = t->rows.find(dn);
  if (i != t->rows.end() && i->second.actor)
    caf::anon_send(listener, name_changed_atom::value, dn, i->second.actor);
}

void unwatch_name(caf::actor_system& sys, const std::string& dn, const caf::actor& listener) {
  auto t = detail::name_table::of(sys);
  std::lock_guard<std::mutex> guard{t->mtx};
  auto i = t->watchers.find(dn);
  if (i == t->watchers.end())
    return;
  auto& v = i->second;
  v.erase(std::remove(v.begin(), v.end(), listener), v.end());
  if (v.empty())
    t->watchers.erase(i);
}

namespace {

std::string last_name(const std::string& dn) {
  auto dot = dn.rfind('.');
  return dot == std::string::npos ? dn : dn.substr(dot + 1);
}

} // namespace

std::string render_text(const std::vector<node_info>& nodes) {
  auto seconds = [](std::chrono::nanoseconds d) {
    return fmt::format("{:.1f}s", std::chrono::duration<double>(d).count());
  };
  std::string out;
  for (auto& n : nodes) {
    auto name = std::string(static_cast<size_t>(n.depth) * 2, ' ') + last_name(n.dn);
    auto up = n.actor ? seconds(n.uptime) : std::string{"-"};
    auto actor = n.actor ? fmt::format("#{}", n.actor) : std::string{"-"};
    auto line = fmt::format("{:<24} {:<8}  restarts={:<4} up={:<8} actor={}", name,
                            to_string(n.state), n.restarts, up, actor);
    if (n.restart_in)
      line += "  restart in " + seconds(*n.restart_in);
    if (auto& a = n.accounting) {
      line += fmt::format("  failures={:.2f}/{:g}{}", a->failures, a->threshold,
                          a->paused ? " (paused)" : "");
      if (a->max_restarts)
        line += fmt::format("  intensity={}/{} in {}", a->restarts_in_period, *a->max_restarts,
                            seconds(a->period));
    }
    if (!n.location.empty())
      line += "  at " + n.location;
    if (!n.last_exit.empty())
      line += "  last exit: " + n.last_exit;
    out += line + "\n";
  }
  return out;
}

std::string render_dot(const std::vector<node_info>& nodes) {
  auto color = [](node_state s) {
    switch (s) {
      case node_state::healthy: return "palegreen";
      case node_state::dead: return "salmon";
      case node_state::done: return "lightblue";
      case node_state::canceled: return "lightgrey";
      case node_state::new_: break;
    }
    return "lightyellow";
  };
  std::string out = "digraph supervision {\n  node [shape=box, style=filled];\n";
  for (auto& n : nodes)
    out += fmt::format("  \"{}\" [label=\"{}\\n{} r={}{}\", fillcolor={}];\n", n.dn,
                       last_name(n.dn), to_string(n.state), n.restarts,
                       n.location.empty() ? std::string{} : "\\nat " + n.location,
                       color(n.state));
  for (auto& n : nodes) {
    auto dot = n.dn.rfind('.');
    if (dot == std::string::npos || n.depth == 0)
      continue;
    out += fmt::format("  \"{}\" -> \"{}\";\n", n.dn.substr(0, dot), n.dn);
  }
  out += "}\n";
  return out;
}

} // namespace supervise

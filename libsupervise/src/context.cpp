#include "supervise/context.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "context_access.hpp"
#include "incarnation.hpp"
#include "name.hpp"
#include "name_table.hpp"
#include "simulated_wait.hpp"
#include "supervise/errc.hpp"

namespace supervise {

const std::string& context::dn() const noexcept { return inc_->dn; }

bool context::stop_requested() const noexcept {
  return inc_->stop.load(std::memory_order_acquire);
}

bool context::wait_for_stop(std::chrono::nanoseconds d) const {
  if (auto* sim = detail::simulated_wait) // in a simulation: its clock, not the real one
    return sim->wait(*inc_, d);
  std::unique_lock<std::mutex> guard{inc_->mtx};
  return inc_->cv().wait_for(guard, d, [this] { return stop_requested(); });
}

void context::wait_for_stop() const {
  if (auto* sim = detail::simulated_wait) {
    sim->wait(*inc_, std::nullopt);
    return;
  }
  std::unique_lock<std::mutex> guard{inc_->mtx};
  inc_->cv().wait(guard, [this] { return stop_requested(); });
}

caf::error context::canceled() { return caf::exit_reason::user_shutdown; }

caf::error run_group(context& ctx, child_list children) {
  auto& inc = detail::context_access::impl(ctx);
  bool first = false; // pending was empty: no run_atom is on its way yet
  {
    std::lock_guard<std::mutex> guard{inc.mtx};
    if (inc.exited)
      return make_error(errc::stale_context, inc.dn);
    if (inc.healthy)
      return make_error(errc::not_new, inc.dn);
    // Each name is checked and taken in order; on an error the names this
    // call took are given back: nothing is created.
    auto& taken = inc.names();
    auto refuse = [&](size_t upto, caf::error err) {
      for (size_t j = 0; j < upto; ++j)
        taken.erase(children[j].first);
      return err;
    };
    for (size_t k = 0; k < children.size(); ++k) {
      auto& [name, body] = children[k];
      if (auto err = detail::validate_name(name))
        return refuse(k, std::move(err));
      if (!body)
        return refuse(k, make_error(errc::empty_runnable, inc.dn + "." + name));
      if (inc.loggers().count(name) > 0 || !taken.insert(name).second)
        return refuse(k, make_error(errc::duplicate_name, inc.dn + "." + name));
    }
    if (children.empty())
      return {};
    auto& pending = inc.pending();
    first = pending.empty();
    pending.emplace_back(std::move(children));
  }
  // One run_atom per batch: the engine takes every pending group when it
  // handles one (on_run swaps pending out under mtx). No group is lost by
  // not sending: pending was non-empty, so the call that made it non-empty
  // sent (or is about to send) a run_atom whose swap has not happened yet (a
  // swap empties pending, under the same mutex as this insert): that swap
  // takes this group too. After the swap pending is empty, and the next call
  // sends again.
  // High priority, as signals and the child's down message: the engine sees
  // all three in the order the child sent them (a group is taken before the
  // signal or the exit that followed it).
  if (first)
    caf::anon_send<caf::message_priority::high>(inc.engine(), detail::run_atom::value, inc.node_id,
                                                inc.number);
  return {};
}

caf::error run(context& ctx, std::string name, runnable r) {
  child_list one;
  one.emplace_back(std::move(name), std::move(r));
  return run_group(ctx, std::move(one));
}

caf::error signal(context& ctx, signal_type s) {
  auto& inc = detail::context_access::impl(ctx);
  {
    std::lock_guard<std::mutex> guard{inc.mtx};
    if (inc.exited)
      return make_error(errc::stale_context, inc.dn);
    if (s == signal_type::healthy) {
      if (inc.healthy)
        return make_error(errc::signal_misuse, inc.dn + ": healthy signalled twice");
      inc.healthy = true;
    } else {
      if (!inc.healthy)
        return make_error(errc::signal_misuse, inc.dn + ": done signalled before healthy");
      if (inc.done)
        return make_error(errc::signal_misuse, inc.dn + ": done signalled twice");
      inc.done = true;
    }
  }
  caf::anon_send<caf::message_priority::high>(inc.engine(), detail::signal_atom::value, inc.node_id, inc.number,
                 static_cast<int32_t>(s));
  return {};
}

logger get_logger(const context& ctx) {
  auto& inc = detail::context_access::impl(ctx);
  std::lock_guard<std::mutex> guard{inc.mtx};
  if (inc.exited) // tagged with its incarnation, never the live node's name
    return logger{inc.dn + "#" + std::to_string(inc.number), inc.sink()};
  return logger{inc.dn, inc.sink()};
}

namespace {

// The name table of the system `inc` runs in, while `inc` is live.
caf::expected<std::shared_ptr<detail::name_table>> table_of_live(detail::incarnation& inc) {
  {
    std::lock_guard<std::mutex> guard{inc.mtx};
    if (inc.exited)
      return make_error(errc::stale_context, inc.dn);
  }
  auto engine = caf::actor_cast<caf::strong_actor_ptr>(inc.env->engine);
  if (!engine)
    return make_error(errc::not_running, inc.dn);
  return detail::name_table::of(*engine->home_system);
}

} // namespace

caf::error set_location(context& ctx, std::string where) {
  return set_location(ctx, [text = std::move(where)] { return text; });
}

caf::error set_location(context& ctx, std::function<std::string()> where) {
  auto& inc = detail::context_access::impl(ctx);
  if (!where)
    return make_error(errc::invalid_option, inc.dn + ": set_location with an empty function");
  auto table = table_of_live(inc);
  if (!table)
    return std::move(table.error());
  std::lock_guard<std::mutex> guard{(*table)->mtx};
  (*table)->locations[inc.dn] = std::move(where);
  return {};
}

caf::error set_named_actor(context& ctx, caf::actor who) {
  auto& inc = detail::context_access::impl(ctx);
  if (!who)
    return make_error(errc::invalid_option, inc.dn + ": set_named_actor with an invalid actor");
  auto table = table_of_live(inc);
  if (!table)
    return std::move(table.error());
  std::lock_guard<std::mutex> guard{(*table)->mtx};
  auto row = (*table)->rows.find(inc.dn);
  if (row == (*table)->rows.end() || !row->second.actor) // between incarnations
    return make_error(errc::stale_context, inc.dn);
  row->second.actor = who;
  (*table)->notify_locked(inc.dn, who);
  return {};
}

caf::expected<logger> sub_logger(context& ctx, const std::string& name) {
  auto& inc = detail::context_access::impl(ctx);
  std::lock_guard<std::mutex> guard{inc.mtx};
  if (inc.exited)
    return make_error(errc::stale_context, inc.dn);
  if (inc.names().count(name) > 0)
    return make_error(errc::duplicate_name, inc.dn + "." + name);
  if (auto err = detail::validate_name(name))
    return err;
  inc.loggers().insert(name);
  return logger{inc.dn + "." + name, inc.sink()};
}

} // namespace supervise

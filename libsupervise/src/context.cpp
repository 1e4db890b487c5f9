#include "supervise/context.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "context_access.hpp"
#include "incarnation.hpp"
#include "name.hpp"
#include "supervise/errc.hpp"

namespace supervise {

const std::string& context::dn() const noexcept { return inc_->dn; }

bool context::stop_requested() const noexcept {
  return inc_->stop.load(std::memory_order_acquire);
}

bool context::wait_for_stop(std::chrono::nanoseconds d) const {
  std::unique_lock<std::mutex> guard{inc_->mtx};
  return inc_->cv().wait_for(guard, d, [this] { return stop_requested(); });
}

void context::wait_for_stop() const {
  std::unique_lock<std::mutex> guard{inc_->mtx};
  inc_->cv().wait(guard, [this] { return stop_requested(); });
}

caf::error context::canceled() { return caf::exit_reason::user_shutdown; }

caf::error run_group(context& ctx, child_list children) {
  auto& inc = detail::context_access::impl(ctx);
  {
    std::lock_guard<std::mutex> guard{inc.mtx};
    if (inc.exited)
      return make_error(errc::stale_context, inc.dn);
    if (inc.healthy)
      return make_error(errc::not_new, inc.dn);
    // Validate everything first: on error nothing is created.
    std::set<std::string> fresh;
    for (auto& [name, body] : children) {
      if (auto err = detail::validate_name(name))
        return err;
      if (!body)
        return make_error(errc::empty_runnable, inc.dn + "." + name);
      if (inc.names().count(name) > 0 || inc.loggers().count(name) > 0
          || !fresh.insert(name).second)
        return make_error(errc::duplicate_name, inc.dn + "." + name);
    }
    if (children.empty())
      return {};
    inc.names().insert(fresh.begin(), fresh.end());
    inc.pending().emplace_back(std::move(children));
  }
  // The engine takes every pending group when this message arrives. High
  // priority, as signals and the child's down message: the engine sees all
  // three in the order the child sent them.
  caf::anon_send<caf::message_priority::high>(inc.engine(), detail::run_atom::value, inc.node_id, inc.number);
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

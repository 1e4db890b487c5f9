// otp_support.hpp — helpers for the OTP-style supervisor tests: a child_spec
// in one call, a child that quits with a chosen reason, and the order in
// which an event log saw children start or stop.
#pragma once

#include <string>
#include <vector>

#include "supervise/supervisor.hpp"
#include "supervisor_support.hpp"

namespace test {

inline supervise::child_spec child(std::string id, supervise::runnable r,
                                   supervise::restart_type rt = supervise::restart_type::permanent) {
  supervise::child_spec cs;
  cs.id = std::move(id);
  cs.start = std::move(r);
  cs.restart = rt;
  return cs;
}

// An event-based child that quits with `reason` on t_fail.
inline supervise::runnable quits_with(recorder& rec, caf::error reason) {
  return [&rec, reason](caf::event_based_actor* self, supervise::context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    return {[self, reason](fail_atom) { self->quit(reason); },
            [](ping_atom) { return ping_atom::value; }};
  };
}

// The children a log saw of `type`, in order.
inline std::vector<std::string> order_of(event_log& log, const std::string& type) {
  std::vector<std::string> out;
  for (auto& e : log.all())
    if (e.type == type)
      out.push_back(e.child);
  return out;
}

} // namespace test

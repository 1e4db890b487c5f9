#include "supervise/actors/periodic.hpp"

#include "supervise/actors/errc.hpp"

#include <stdexcept>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "supervise/errc.hpp"

namespace supervise::actors {

namespace {
using tick_atom = caf::atom_constant<caf::atom("sv_tick")>;
} // namespace

caf::error validate(const periodic_options& opts) {
  name_category();
  if (opts.interval.count() <= 0)
    return supervise::make_error(
      errc::invalid_option,
      fmt::format("periodic: interval must be > 0, got {} ns", opts.interval.count()));
  if (!opts.fn)
    return supervise::make_error(errc::invalid_option, "periodic: fn is empty");
  return {};
}

runnable periodic(periodic_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  return runnable::event_based(
    [opts = std::move(opts)](caf::event_based_actor* self, context& ctx) -> caf::behavior {
      signal(ctx, signal_type::healthy);
      auto interval = std::chrono::duration_cast<caf::timespan>(opts.interval);
      if (opts.immediately)
        self->send(self, tick_atom::value);
      else
        self->delayed_send(self, interval, tick_atom::value);
      // The default exit handler ends the actor on the engine's stop request.
      return {[self, &ctx, fn = opts.fn, interval](tick_atom) {
        if (auto err = fn(ctx)) {
          self->quit(std::move(err));
          return;
        }
        self->delayed_send(self, interval, tick_atom::value);
      }};
    });
}

runnable every(std::chrono::nanoseconds interval, std::function<caf::error(context&)> fn) {
  periodic_options opts;
  opts.interval = interval;
  opts.fn = std::move(fn);
  return periodic(std::move(opts));
}

} // namespace supervise::actors

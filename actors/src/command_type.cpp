// command_type.cpp — the actor behind add_command_type: it hosts the
// command in a one-node tree of its own (a blocking runnable needs a
// context, which only an engine makes) and mirrors the command's end.
//
//   running  -> the command runs in the tree's root, on a pooled thread;
//   stopping -> an exit message stops the tree (the command's stop: SIGTERM,
//               SIGKILL after its grace); ends when the command returned;
//   ends     -> with the command's reason (or the stop's), never restarted
//               here: the remote supervisor decides.
#include "supervise/actors/command_type.hpp"

#include <optional>
#include <stdexcept>

#include <caf/all.hpp>

#include "supervise/actors/errc.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/tree.hpp"

namespace supervise::actors {

namespace {

using ended_atom = caf::atom_constant<caf::atom("sv_cmdend")>;

caf::behavior command_host(caf::event_based_actor* self, runnable body) {
  // The root reports the command's end to this actor (weakly held: the tree
  // belongs to it) and never restarts it.
  auto host = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
  auto root = runnable::blocking([body, host](context& ctx) -> caf::error {
    auto reason = body.blocking_body()(ctx);
    if (auto h = caf::actor_cast<caf::actor>(host))
      caf::anon_send(h, ended_atom::value, reason);
    return make_error(errc::do_not_restart);
  });
  tree_options topts;
  topts.sink = [](log_level, std::string_view, std::string_view) {};
  auto hosted = std::make_shared<std::optional<tree>>();
  hosted->emplace(self->system(), root, topts);
  auto stop_reason = std::make_shared<caf::error>();
  // A kill skips the exit handler: the tree is stopped here and waited for
  // (the command's grace at most, on this worker).
  self->attach_functor([hosted] { hosted->reset(); });
  self->set_exit_handler([self, hosted, stop_reason](caf::exit_msg& msg) {
    if (!msg.reason || *stop_reason)
      return;
    *stop_reason = std::move(msg.reason);
    (*hosted)->stop(); // ends when the command returned (ended_atom)
  });
  return {[self, stop_reason](ended_atom, caf::error& reason) {
    self->quit(*stop_reason ? *stop_reason : std::move(reason));
  }};
}

} // namespace

void add_command_type(caf::actor_system_config& cfg, const std::string& name,
                      command_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  auto body = command(std::move(opts));
  cfg.add_actor_type(name, [body](caf::event_based_actor* self) { return command_host(self, body); });
}

} // namespace supervise::actors

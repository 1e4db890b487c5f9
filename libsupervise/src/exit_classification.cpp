#include "supervise/exit_classification.hpp"

#include <caf/exit_reason.hpp>

#include "supervise/errc.hpp"

namespace supervise {

namespace {

// Exit reasons that mean "stopped because asked to" for a cancelled node.
bool is_stop_reason(const caf::error& reason) {
  return !reason || is(reason, caf::exit_reason::user_shutdown)
         || is(reason, caf::exit_reason::kill) || is(reason, caf::exit_reason::unreachable);
}

} // namespace

exit_outcome classify(const exit_facts& f) {
  return classify(f.reason, f.signaled_done, f.cancelled);
}

exit_outcome classify(const caf::error& reason, bool signaled_done, bool cancelled) {
  // Our two special outcomes win over everything: they are explicit requests.
  if (is(reason, errc::terminate_tree))
    return exit_outcome::terminate_tree;
  if (is(reason, errc::do_not_restart))
    return exit_outcome::stop_for_good;
  // DONE first: a normal return after signal(done), cancelled or not.
  if (!reason && signaled_done)
    return exit_outcome::done;
  // CANCELED next: the node was asked to stop and stopped the expected way.
  if (cancelled && is_stop_reason(reason))
    return exit_outcome::canceled;
  // Everything else is a failure, a normal return without done included.
  return exit_outcome::dead;
}

node_state state_after(exit_outcome x) noexcept {
  switch (x) {
    case exit_outcome::done: return node_state::done;
    case exit_outcome::canceled: return node_state::canceled;
    case exit_outcome::dead: return node_state::dead;
    case exit_outcome::stop_for_good: return node_state::done;
    case exit_outcome::terminate_tree: return node_state::canceled;
  }
  return node_state::dead;
}

const char* to_string(node_state x) noexcept {
  switch (x) {
    case node_state::new_: return "NEW";
    case node_state::healthy: return "HEALTHY";
    case node_state::dead: return "DEAD";
    case node_state::done: return "DONE";
    case node_state::canceled: return "CANCELED";
  }
  return "UNKNOWN";
}

} // namespace supervise

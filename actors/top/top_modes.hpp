// top_modes.hpp — supervise-top's three ways to run, each returning the
// exit code: --once (print one snapshot), piped (the tree, then events as
// lines) and the live full-screen view on a terminal.
#pragma once

#include <caf/fwd.hpp>

#include "top_options.hpp"

namespace supervise::top {

/// One snapshot of every endpoint, printed as --json, --dot or text; 0, or
/// 1 when an endpoint cannot be inspected.
int run_once(caf::actor_system& sys, const top_options& opts);

/// The tree of every endpoint as text, then one line per event until an
/// endpoint goes away (1) or the process is killed.
int run_piped(caf::actor_system& sys, const top_options& opts);

/// The ncurses view until the user quits (0); 1 when an endpoint cannot be
/// reached at the start.
int run_live(caf::actor_system& sys, const top_options& opts);

} // namespace supervise::top

// supervise/all.hpp — every public header of libsupervise, for programs that
// would rather not pick: trees, supervisors, contexts, specs, events, logs,
// metrics, names, configuration, fmt formatting and the simulation of a tree.
//
// Not included: supervise/testing.hpp, the test harness (it pulls in CAF's
// test scheduler; include it in tests only), supervise/simulation_boost.hpp
// (it needs Boost.Test), and the optional actors library
// (supervise/actors/*, target supervise::actors).
#pragma once

#include "supervise/backoff.hpp"
#include "supervise/child_info.hpp"
#include "supervise/child_spec.hpp"
#include "supervise/config.hpp"
#include "supervise/context.hpp"
#include "supervise/context_handle.hpp"
#include "supervise/errc.hpp"
#include "supervise/event.hpp"
#include "supervise/format.hpp"
#include "supervise/fwd.hpp"
#include "supervise/log.hpp"
#include "supervise/metrics.hpp"
#include "supervise/names.hpp"
#include "supervise/node_state.hpp"
#include "supervise/observer.hpp"
#include "supervise/renamed_field.hpp"
#include "supervise/runnable.hpp"
#include "supervise/simulation.hpp"
#include "supervise/spec.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"
#include "supervise/version.hpp"

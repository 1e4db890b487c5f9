// supervise/fwd.hpp — forward declarations of the public types.
//
// For headers that only name these types (references, pointers, parameters
// and return types of declared functions): include this instead of the
// defining headers, and those where the types are used. Each line names the
// header that defines the type. Scoped enums are declared with the
// underlying type of their definition, so either may come first.
//
// Not declared here: aliases of standard types (log_sink, event, event_hook,
// child_list, metrics_snapshot, state_hook; their headers are light),
// nested types (child_spec::ready_t, shutdown_spec::kind_t), the testing
// harness (testing.hpp) and anything in namespace detail.
#pragma once

#include <cstdint>

/// libsupervise: supervision trees (tree, run, run_group), suture-style
/// supervisors (supervisor, spec) and OTP's children (child_spec), all on one
/// engine, for CAF 0.17.
namespace supervise {

// backoff.hpp
struct backoff_options;
class backoff;

// child_info.hpp
struct service_token;
struct service_info;
struct child_info;
struct child_counts;
struct unstopped_child;

// child_spec.hpp
enum class restart_type;
enum class child_type;
struct shutdown_spec;
struct child_spec;

// context_handle.hpp, context.hpp
class context;
enum class signal_type;

// errc.hpp
enum class errc : uint8_t;

// event.hpp
struct event_header;
struct child_started;
struct child_stopped;
struct child_failed;
struct backoff_entered;
struct backoff_resumed;
struct stop_timed_out;

// log.hpp
enum class log_level;
class logger;

// metrics.hpp
enum class failure_kind;
struct node_metrics;
class metrics;

// names.hpp
struct node_info;

// node_state.hpp
enum class node_state;

// renamed_field.hpp
template <class T>
class renamed_field;

// runnable.hpp
class runnable;

// spec.hpp
enum class strategy;
enum class auto_shutdown;
struct intensity;
struct spec;

// supervisor.hpp
class supervisor;

// tree.hpp
struct tree_options;
class tree;

} // namespace supervise

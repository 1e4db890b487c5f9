// event_line.hpp — one event as one line of text, as the piped mode prints
// it and the live view's events pane shows it.
#pragma once

#include <cstdint>
#include <string>

#include "inspection_reply.hpp"

namespace supervise::top {

/// "HH:MM:SS.mmm" of a Unix time in milliseconds, in local time.
std::string clock_text(int64_t unix_ms);

/// The current local time as clock_text() gives it.
std::string clock_text_now();

/// "HH:MM:SS.mmm kind dn text": dn is the supervisor's DN for a supervisor
/// event (no child), and the text the state for a state event without one.
std::string event_line(const inspection_event& ev);

/// The DN an event is about: its child, else its supervisor.
const std::string& event_dn(const inspection_event& ev);

} // namespace supervise::top

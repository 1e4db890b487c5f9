// live_screen.hpp — the ncurses full-screen view: per endpoint a header and
// the indented tree (states in colour), below it the newest events, redrawn
// in place ten times a second. Keys: q quits; / edits the DN filter; f
// freezes or follows the events pane; arrows, PgUp/PgDn, Home/End scroll the
// tree. SIGINT and SIGTERM quit as q does (the terminal is restored).
#pragma once

#include <string>
#include <vector>

#include "dn_filter.hpp"
#include "live_model.hpp"
#include "tree_rows.hpp"

namespace supervise::top {

class live_screen {
public:
  live_screen(const live_model& model, dn_filter filter, std::string interval_text);

  /// Takes the terminal, runs until the user quits, gives the terminal
  /// back; "" then. Why not when the terminal cannot be driven.
  std::string run();

private:
  struct event_text {
    std::string line;
    short colour = 0; // a colour pair, 0: none
  };

  void draw();
  void draw_tree(const std::vector<tree_row>& rows, int top, int height);
  void draw_events(const live_view& view, int top, int height);
  // False when the key ends the program.
  bool on_key(int key);
  bool on_prompt_key(int key);
  std::vector<event_text> event_texts(const live_view& view) const;

  const live_model& model_;
  dn_filter filter_;
  std::string interval_text_;
  bool follow_ = true;
  std::vector<event_text> frozen_; // the events pane while not following
  uint64_t frozen_total_ = 0;      // events received when it froze
  int scroll_ = 0;                 // first tree row shown
  int tree_height_ = 1;            // rows of the tree pane at the last draw
  bool prompting_ = false;
  std::string input_; // the filter being typed
};

} // namespace supervise::top

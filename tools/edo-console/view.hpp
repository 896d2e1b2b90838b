// edo-console's text: the runtime header (workers' metrics), the task table and a task's
// details, as plain lines. The live view (main.cpp) frames them with ANSI sequences; --once
// prints them as they are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model.hpp"

namespace edo_console {

// The runtime line and one line per worker. Rates (polls/s, busy %) need the previous
// snapshot; without one, totals are shown.
std::vector<std::string> header_lines(const std::string& socket_path, const snapshot& now,
                                      const snapshot* before);

// The column titles (the sort column marked " ^" ascending or " v" descending).
std::string table_title(column sort, bool descending);
// One row of the task table.
std::string table_row(const task& t);

// A task's details: identity, spawn location, statistics and the whole await chain with
// full paths, nested join/select branches indented.
std::vector<std::string> detail_lines(const task& t);

// `s` cut or padded to `width` columns (UTF-8 aware: counts code points).
std::string fit(const std::string& s, std::size_t width);

}  // namespace edo_console

// What tls.worker points to: the scheduler loop running on this thread, tagged with its
// runtime so that a scheduler recognises its own workers (wakes on them go to a local
// queue) and a runtime can refuse to block_on or shut down from inside itself.
#pragma once

namespace edo::detail {

class runtime_context;

struct worker_tag {
  runtime_context* rt = nullptr;
};

}  // namespace edo::detail

// The workloads (one function each, timed inside a spawned driver task).
#pragma once

#include <string>

#include <edo/runtime.hpp>

#include "harness.hpp"

namespace edo_bench {

run run_workload(edo::runtime& rt, const std::string& name, const sizes& sz);
void idle_child(flavor f);

}  // namespace edo_bench

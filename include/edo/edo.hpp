// edo: everything. Include the headers you use instead when build times matter.
#pragma once

#include <edo/adapt.hpp>
#include <edo/block_on.hpp>
#include <edo/error.hpp>
#include <edo/join.hpp>
#include <edo/join_handle.hpp>
#include <edo/leaf.hpp>
#include <edo/runtime.hpp>
#include <edo/select.hpp>
#include <edo/shield.hpp>
#include <edo/spawn.hpp>
#include <edo/task.hpp>
#include <edo/time.hpp>
#include <edo/yield.hpp>

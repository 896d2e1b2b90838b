// edo::time: sleep, sleep_until, interval, timeout, instant, and the paused clock.
#pragma once

#include <edo/time/clock.hpp>
#include <edo/time/instant.hpp>
#include <edo/time/interval.hpp>
#include <edo/time/sleep.hpp>
#include <edo/time/timeout.hpp>

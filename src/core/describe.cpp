// Default descriptions of leaves for task dumps.
#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

#include <edo/leaf.hpp>

namespace edo {

void leaf::describe(std::string& out) const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  out += status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
}

}  // namespace edo

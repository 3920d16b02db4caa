#include <fmt/format.h>

int main() {
  fmt::print("atrous\n");
  return 0;
}

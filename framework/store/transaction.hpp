#pragma once
// A write transaction (RAII): BEGIN IMMEDIATE takes the write lock up front, so
// concurrent writers queue on the busy timeout instead of failing with SQLITE_BUSY
// when a read transaction tries to upgrade. Rolls back unless commit() was called.
#include "store/database.hpp"

namespace atrous::store {

class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace atrous::store

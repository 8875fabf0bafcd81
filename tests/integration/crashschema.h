#pragma once

// Schema shared by the crash writer and the crash test: each write is one "batch" of rows.

#include "core/store/migrator.h"

#include <SQLiteCpp/Database.h>

#include <array>

namespace crashtest {

inline constexpr int kApplicationId = 0x43525348; // 'CRSH'
inline constexpr int kRowsPerBatch = 50;

inline const std::array kMigrations = {
    millrace::Migration{1, "batches",
                        [](SQLite::Database &db) {
                            db.exec("CREATE TABLE batch_rows (batch INTEGER NOT NULL, "
                                    "row INTEGER NOT NULL, payload BLOB NOT NULL, "
                                    "PRIMARY KEY (batch, row))");
                        }},
};

} // namespace crashtest

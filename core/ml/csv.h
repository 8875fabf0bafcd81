#pragma once

#include "core/ml/mlresult.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace millrace::ml {

/// A CSV file read as text: a header of column names and rows of fields, nothing interpreted
/// yet. Every row has as many fields as the header. Each row remembers the line it starts on,
/// so errors found later (a non-numeric value) can still point into the file.
struct CsvTable
{
    /// Names the source in error messages, usually the file's path.
    std::string sourceName;
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    /// 1-based line on which each row starts (the header is line 1 unless blank lines precede).
    std::vector<std::size_t> rowLines;

    /// Position of the column called `name` in the header, if there is one.
    std::optional<std::size_t> columnIndex(std::string_view name) const;
    /// The rows at `indices`, in that order, with their line numbers. Indices must be below
    /// rows.size(); out-of-range ones are a programmer error and throw std::out_of_range.
    CsvTable selectRows(const std::vector<std::size_t> &indices) const;
};

/// Parses CSV text as RFC 4180 describes it: comma-separated fields, a header line first,
/// fields optionally in double quotes, inside which commas, line breaks and doubled quotes ("")
/// stand for themselves. Lines may end in CRLF or LF; a UTF-8 byte order mark and blank lines
/// are skipped; header names are trimmed of surrounding spaces. Fails, naming the line, on an
/// unclosed quote, a quote inside an unquoted field, text after a closing quote, a row whose
/// field count differs from the header's, duplicate column names, or no header at all.
Result<CsvTable> parseCsv(std::string_view text, std::string_view sourceName);

/// Reads and parses a CSV file as parseCsv does, naming the path in errors.
Result<CsvTable> readCsvFile(const std::string &path);

} // namespace millrace::ml

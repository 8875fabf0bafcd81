#pragma once

#include "core/base/result.h"

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace millrace::serving {

/// A CSV request body read into cells: a header row, then rows of the same width.
struct CsvCells
{
    std::vector<QByteArrayView> header;
    /// rows() x header.size() cells, row-major, without their quotes; doubled quotes inside a
    /// quoted field are undoubled. They point into the text that was read or into `storage`.
    std::vector<QByteArrayView> cells;
    /// The line of the text each row starts on, counting the header's as line 1.
    std::vector<qsizetype> lines;
    /// The unquoted fields that could not point into the text.
    QByteArray storage;

    qsizetype rows() const { return qsizetype(lines.size()); }
};

/// Reads RFC 4180 CSV (',' between fields; CRLF, LF or CR between records; a field holding
/// ',', '"' or a line break quoted, its quotes doubled) from valid UTF-8 `text` that must
/// outlive the result. As pandas.read_csv does, it skips a UTF-8 byte order mark and empty
/// lines. Unlike pandas it refuses what RFC 4180 does not allow (a quote inside an unquoted
/// field, text after a closing quote, a quote never closed) and a row whose field count is not
/// the header's; the message names the line.
Result<CsvCells> readCsv(QByteArrayView text);

} // namespace millrace::serving

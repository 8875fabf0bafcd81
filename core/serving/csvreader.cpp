#include "core/serving/csvreader.h"

#include "core/serving/jsontree.h"

using namespace Qt::StringLiterals;

namespace millrace::serving {

namespace {

// Walks the text one field at a time, keeping the line number.
class CsvScanner
{
public:
    CsvScanner(QByteArrayView text, QByteArray &storage)
        : m_p(text.data()), m_end(text.data() + text.size()), m_storage(storage)
    {
    }

    bool atEnd() const { return m_p == m_end; }
    qsizetype line() const { return m_line; }

    /// Skips empty lines; true when a record starts here.
    bool skipEmptyLines()
    {
        while (m_p != m_end && (*m_p == '\n' || *m_p == '\r'))
            lineBreak();
        return m_p != m_end;
    }

    /// Reads one record's fields into `fields`.
    Result<void> record(std::vector<QByteArrayView> &fields)
    {
        while (true) {
            QByteArrayView field;
            if (auto read = m_p != m_end && *m_p == '"' ? quoted(field) : unquoted(field); !read)
                return read;
            fields.push_back(field);
            if (m_p == m_end)
                return {};
            if (*m_p == ',') {
                ++m_p;
                continue;
            }
            lineBreak(); // the only other way a field ends
            return {};
        }
    }

private:
    const char *m_p;
    const char *m_end;
    QByteArray &m_storage;
    qsizetype m_line = 1;

    void lineBreak()
    {
        if (*m_p == '\r' && m_end - m_p >= 2 && m_p[1] == '\n')
            ++m_p;
        ++m_p;
        ++m_line;
    }

    Result<void> unquoted(QByteArrayView &field)
    {
        const char *start = m_p;
        while (m_p != m_end && *m_p != ',' && *m_p != '\n' && *m_p != '\r') {
            if (*m_p == '"')
                return fail(u"line %1: a quote inside an unquoted field; a field holding quotes "
                            u"must be quoted as a whole, its quotes doubled"_s.arg(m_line));
            ++m_p;
        }
        field = QByteArrayView(start, m_p - start);
        return {};
    }

    Result<void> quoted(QByteArrayView &field)
    {
        const qsizetype startLine = m_line;
        const char *start = ++m_p;
        bool doubled = false;
        while (true) {
            while (m_p != m_end && *m_p != '"') {
                if (*m_p == '\n' || (*m_p == '\r' && (m_end - m_p < 2 || m_p[1] != '\n')))
                    ++m_line;
                ++m_p;
            }
            if (m_p == m_end)
                return fail(u"line %1: a quoted field is never closed"_s.arg(startLine));
            if (m_end - m_p >= 2 && m_p[1] == '"') {
                doubled = true;
                m_p += 2;
                continue;
            }
            break;
        }
        const QByteArrayView content(start, m_p - start);
        ++m_p; // the closing quote
        if (m_p != m_end && *m_p != ',' && *m_p != '\n' && *m_p != '\r')
            return fail(u"line %1: text after the closing quote of a field"_s.arg(m_line));
        if (!doubled) {
            field = content;
            return {};
        }
        // The storage was reserved for the whole text, so appending never moves it.
        const qsizetype at = m_storage.size();
        for (qsizetype i = 0; i < content.size(); ++i) {
            m_storage.append(content[i]);
            if (content[i] == '"')
                ++i;
        }
        field = QByteArrayView(m_storage.constData() + at, m_storage.size() - at);
        return {};
    }
};

} // namespace

Result<CsvCells> readCsv(QByteArrayView text)
{
    text = withoutByteOrderMark(text);
    CsvCells csv;
    csv.storage.reserve(text.size());
    CsvScanner scanner(text, csv.storage);
    if (!scanner.skipEmptyLines())
        return fail(u"No columns to parse from file: the text has no header line"_s);
    if (auto header = scanner.record(csv.header); !header)
        return header.error();
    const std::size_t width = csv.header.size();
    std::vector<QByteArrayView> fields;
    while (scanner.skipEmptyLines()) {
        const qsizetype line = scanner.line();
        fields.clear();
        if (auto row = scanner.record(fields); !row)
            return row.error();
        if (fields.size() != width)
            return fail(u"line %1 has %2 fields, the header has %3"_s.arg(line)
                            .arg(fields.size())
                            .arg(width));
        csv.cells.insert(csv.cells.end(), fields.begin(), fields.end());
        csv.lines.push_back(line);
    }
    return csv;
}

} // namespace millrace::serving

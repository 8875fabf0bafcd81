#include "core/ml/csv.h"

#include "core/ml/fileio.h"

#include <set>
#include <stdexcept>

namespace millrace::ml {

namespace {

std::string trimmed(std::string_view text)
{
    const std::size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos)
        return {};
    const std::size_t end = text.find_last_not_of(" \t");
    return std::string(text.substr(begin, end - begin + 1));
}

bool isLineBreak(char c)
{
    return c == '\n' || c == '\r';
}

// Walks the text once, record by record. Line numbers count physical lines, so a quoted field
// spanning lines moves them on and later errors still point at the right place.
class CsvParser
{
public:
    CsvParser(std::string_view text, std::string name) : m_text(text), m_name(std::move(name))
    {
        if (m_text.starts_with("\xEF\xBB\xBF"))
            m_position = 3;
    }

    Result<CsvTable> parse()
    {
        CsvTable table;
        table.sourceName = m_name;
        bool haveHeader = false;
        while (skipBlankLines()) {
            const std::size_t line = m_line;
            Result<std::vector<std::string>> record = readRecord();
            if (!record)
                return record.error();
            if (!haveHeader) {
                std::set<std::string> seen;
                for (const std::string &field : *record) {
                    std::string name = trimmed(field);
                    if (!seen.insert(name).second)
                        return fail(m_name + " line " + std::to_string(line) + ": column '" + name
                                    + "' appears twice in the header");
                    table.header.push_back(std::move(name));
                }
                haveHeader = true;
                continue;
            }
            if (record->size() != table.header.size())
                return fail(m_name + " line " + std::to_string(line) + ": "
                            + std::to_string(record->size()) + " fields where the header has "
                            + std::to_string(table.header.size()));
            table.rows.push_back(std::move(*record));
            table.rowLines.push_back(line);
        }
        if (!haveHeader)
            return fail(m_name + ": empty (no header line)");
        return table;
    }

private:
    // Moves past empty lines; false at the end of the text.
    bool skipBlankLines()
    {
        while (m_position < m_text.size() && isLineBreak(m_text[m_position]))
            consumeLineBreak();
        return m_position < m_text.size();
    }

    // Consumes one LF, CRLF or lone CR.
    void consumeLineBreak()
    {
        if (m_text[m_position] == '\r' && m_position + 1 < m_text.size()
            && m_text[m_position + 1] == '\n')
            ++m_position;
        ++m_position;
        ++m_line;
    }

    Result<std::vector<std::string>> readRecord()
    {
        std::vector<std::string> fields;
        for (;;) {
            Result<std::string> field = m_position < m_text.size() && m_text[m_position] == '"'
                                            ? readQuotedField()
                                            : readPlainField();
            if (!field)
                return field.error();
            fields.push_back(std::move(*field));
            if (m_position < m_text.size() && m_text[m_position] == ',') {
                ++m_position;
                continue;
            }
            if (m_position < m_text.size())
                consumeLineBreak();
            return fields;
        }
    }

    Result<std::string> readPlainField()
    {
        const std::size_t begin = m_position;
        while (m_position < m_text.size() && m_text[m_position] != ','
               && !isLineBreak(m_text[m_position])) {
            if (m_text[m_position] == '"')
                return fail(m_name + " line " + std::to_string(m_line)
                            + ": a quote inside an unquoted field (quote the whole field and "
                              "double the quotes inside it)");
            ++m_position;
        }
        return std::string(m_text.substr(begin, m_position - begin));
    }

    Result<std::string> readQuotedField()
    {
        const std::size_t startLine = m_line;
        ++m_position; // the opening quote
        std::string value;
        for (;;) {
            if (m_position >= m_text.size())
                return fail(m_name + " line " + std::to_string(startLine)
                            + ": a quoted field is never closed");
            const char c = m_text[m_position];
            if (c == '"') {
                if (m_position + 1 < m_text.size() && m_text[m_position + 1] == '"') {
                    value += '"';
                    m_position += 2;
                    continue;
                }
                ++m_position; // the closing quote
                break;
            }
            if (c == '\n'
                || (c == '\r'
                    && !(m_position + 1 < m_text.size() && m_text[m_position + 1] == '\n')))
                ++m_line;
            value += c;
            ++m_position;
        }
        if (m_position < m_text.size() && m_text[m_position] != ','
            && !isLineBreak(m_text[m_position]))
            return fail(m_name + " line " + std::to_string(m_line)
                        + ": text after the closing quote of a field");
        return value;
    }

    std::string_view m_text;
    std::string m_name;
    std::size_t m_position = 0;
    std::size_t m_line = 1;
};

} // namespace

std::optional<std::size_t> CsvTable::columnIndex(std::string_view name) const
{
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name)
            return i;
    }
    return std::nullopt;
}

CsvTable CsvTable::selectRows(const std::vector<std::size_t> &indices) const
{
    CsvTable result;
    result.sourceName = sourceName;
    result.header = header;
    result.rows.reserve(indices.size());
    result.rowLines.reserve(indices.size());
    for (const std::size_t index : indices) {
        if (index >= rows.size())
            throw std::out_of_range("CsvTable::selectRows: row " + std::to_string(index)
                                    + " is not below the table's " + std::to_string(rows.size()));
        result.rows.push_back(rows[index]);
        result.rowLines.push_back(index < rowLines.size() ? rowLines[index] : 0);
    }
    return result;
}

Result<CsvTable> parseCsv(std::string_view text, std::string_view sourceName)
{
    return CsvParser(text, std::string(sourceName)).parse();
}

Result<CsvTable> readCsvFile(const std::string &path)
{
    Result<std::vector<std::uint8_t>> bytes = readFileBytes(path);
    if (!bytes)
        return bytes.error();
    const std::string_view text(reinterpret_cast<const char *>(bytes->data()), bytes->size());
    return parseCsv(text, path);
}

} // namespace millrace::ml

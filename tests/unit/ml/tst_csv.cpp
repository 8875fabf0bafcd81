#include "core/ml/csv.h"

#include "mlverify.h"

#include <QTemporaryDir>
#include <QTest>

#include <string>
#include <vector>

using namespace millrace::ml;

using Rows = std::vector<std::vector<std::string>>;

class TestCsv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsPlainFields();
    void readsRfc4180Quoting();
    void lineNumbersFollowPhysicalLines();
    void toleratesCommonVariations();
    void rejectsMalformedText_data();
    void rejectsMalformedText();
    void selectRowsKeepsLines();
    void readsFiles();
};

void TestCsv::readsPlainFields()
{
    const Result<CsvTable> table = parseCsv("a,b,c\n1,2,3\n4,,6\n", "plain.csv");
    ML_VERIFY_OK(table);
    QCOMPARE(table->sourceName, std::string("plain.csv"));
    QCOMPARE(table->header, (std::vector<std::string>{"a", "b", "c"}));
    QCOMPARE(table->rows, (Rows{{"1", "2", "3"}, {"4", "", "6"}}));
    QCOMPARE(table->rowLines, (std::vector<std::size_t>{2, 3}));
    QCOMPARE(table->columnIndex("c"), std::optional<std::size_t>(2));
    QCOMPARE(table->columnIndex("d"), std::optional<std::size_t>());
}

void TestCsv::readsRfc4180Quoting()
{
    // RFC 4180 section 2: quoted fields may hold commas, line breaks and doubled quotes.
    const std::string text = "name,quote\r\n"
                             "\"Smith, J\",\"He said \"\"hi\"\"\"\r\n"
                             "\"two\r\nlines\",\"\"\r\n"
                             "plain,\"\"\"\"\r\n";
    const Result<CsvTable> table = parseCsv(text, "quoted.csv");
    ML_VERIFY_OK(table);
    QCOMPARE(table->header, (std::vector<std::string>{"name", "quote"}));
    QCOMPARE(table->rows,
             (Rows{{"Smith, J", "He said \"hi\""}, {"two\r\nlines", ""}, {"plain", "\""}}));
}

void TestCsv::lineNumbersFollowPhysicalLines()
{
    // A quoted field over three lines moves the next row to line 5.
    const Result<CsvTable> table = parseCsv("a,b\n\"x\ny\nz\",1\nq,2\n", "lines.csv");
    ML_VERIFY_OK(table);
    QCOMPARE(table->rowLines, (std::vector<std::size_t>{2, 5}));
    QCOMPARE(table->rows[0][0], std::string("x\ny\nz"));
}

void TestCsv::toleratesCommonVariations()
{
    // A byte order mark, padded header names, blank lines, a last line without a line break
    // and a trailing comma (an empty last field) all read as a spreadsheet user would expect.
    const Result<CsvTable> table = parseCsv("\xEF\xBB\xBF a , b \n\n1,\n\r\n2,x", "variations.csv");
    ML_VERIFY_OK(table);
    QCOMPARE(table->header, (std::vector<std::string>{"a", "b"}));
    QCOMPARE(table->rows, (Rows{{"1", ""}, {"2", "x"}}));
    QCOMPARE(table->rowLines, (std::vector<std::size_t>{3, 5}));

    // A header alone is a table with no rows.
    const Result<CsvTable> headerOnly = parseCsv("a,b\n", "header.csv");
    ML_VERIFY_OK(headerOnly);
    QVERIFY(headerOnly->rows.empty());
}

void TestCsv::rejectsMalformedText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty") << ""
                           << "bad.csv: empty (no header line)";
    QTest::newRow("blank lines only") << "\n\r\n\n"
                                      << "bad.csv: empty (no header line)";
    QTest::newRow("row too short") << "a,b,c\n1,2,3\n4,5\n"
                                   << "bad.csv line 3: 2 fields where the header has 3";
    QTest::newRow("row too long") << "a,b\n1,2\n3,4\n5,6,7\n"
                                  << "bad.csv line 4: 3 fields where the header has 2";
    QTest::newRow("unclosed quote") << "a,b\n1,2\n\"never,closed\n3,4\n"
                                    << "bad.csv line 3: a quoted field is never closed";
    QTest::newRow("quote inside plain field") << "a,b\n1,ab\"c\n"
                                              << "bad.csv line 2: a quote inside an unquoted field";
    QTest::newRow("text after closing quote") << "a,b\n\"x\"y,2\n"
                                              << "bad.csv line 2: text after the closing quote";
    QTest::newRow("duplicate column") << "a,b,a\n1,2,3\n"
                                      << "bad.csv line 1: column 'a' appears twice in the header";
}

void TestCsv::rejectsMalformedText()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    ML_VERIFY_FAILS(parseCsv(text.toStdString(), "bad.csv"), expected.toStdString());
}

void TestCsv::selectRowsKeepsLines()
{
    const Result<CsvTable> table = parseCsv("v\na\nb\nc\nd\n", "select.csv");
    ML_VERIFY_OK(table);
    const CsvTable picked = table->selectRows({3, 1});
    QCOMPARE(picked.header, table->header);
    QCOMPARE(picked.rows, (Rows{{"d"}, {"b"}}));
    QCOMPARE(picked.rowLines, (std::vector<std::size_t>{5, 3}));
    QCOMPARE(picked.sourceName, std::string("select.csv"));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, table->selectRows({4}));
}

void TestCsv::readsFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("data.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("x,y\n1,2\n");
    file.close();

    const Result<CsvTable> table = readCsvFile(path.toStdString());
    ML_VERIFY_OK(table);
    QCOMPARE(table->sourceName, path.toStdString());
    QCOMPARE(table->rows, (Rows{{"1", "2"}}));

    const std::string missing = dir.filePath(QStringLiteral("missing.csv")).toStdString();
    ML_VERIFY_FAILS(readCsvFile(missing), missing + ": cannot open");
}

QTEST_GUILESS_MAIN(TestCsv)
#include "tst_csv.moc"

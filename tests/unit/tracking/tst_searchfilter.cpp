#include "core/tracking/searchfilter.h"
#include "core/tracking/trackingtypes.h"

#include <QStandardPaths>
#include <QTest>

using namespace millrace;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

QString entityLetter(Entity entity)
{
    switch (entity) {
    case Entity::Metric:
        return u"m"_s;
    case Entity::Param:
        return u"p"_s;
    case Entity::Tag:
        return u"t"_s;
    case Entity::Attribute:
        return u"a"_s;
    }
    return u"?"_s;
}

// A comparison as text: m[acc] > 0.9, p[lr] = 's', a[run_id] IN ['a'|'b'].
QString describe(const Comparison &c)
{
    QString value;
    if (c.value.typeId() == QMetaType::Double) {
        value = QString::number(c.value.toDouble());
    } else if (c.value.typeId() == QMetaType::QString) {
        value = u"'"_s + c.value.toString() + u"'"_s;
    } else if (c.value.typeId() == QMetaType::QStringList) {
        QStringList quoted;
        for (const QString &item : c.value.toStringList())
            quoted.append(u"'"_s + item + u"'"_s);
        value = u"["_s + quoted.join(u'|') + u"]"_s;
    } else {
        value = u"<%1>"_s.arg(QString::fromLatin1(c.value.typeName()));
    }
    return u"%1[%2] %3 %4"_s.arg(entityLetter(c.entity), c.key, c.op, value);
}

// A parsed filter as text: AND(OR(leaf, leaf), leaf), which shows the tree's shape.
QString describe(const FilterNode &node)
{
    if (node.kind == FilterNode::Kind::Leaf)
        return describe(node.comparison);
    QStringList children;
    for (const FilterNode &child : node.children)
        children.append(describe(child));
    return u"%1(%2)"_s.arg(node.kind == FilterNode::Kind::And ? u"AND"_s : u"OR"_s,
                           children.join(u", "_s));
}

QString describe(const QList<OrderTerm> &terms)
{
    QStringList parts;
    for (const OrderTerm &term : terms)
        parts.append(u"%1[%2] %3"_s.arg(entityLetter(term.entity), term.key,
                                        term.ascending ? u"ASC"_s : u"DESC"_s));
    return parts.join(u", "_s);
}

} // namespace

class TestSearchFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void parsesFilter_data();
    void parsesFilter();
    void blankFilterGivesNoNode_data();
    void blankFilterGivesNoNode();
    void recordsWhereEachComparisonStarts();
    void rejectsBadFilter_data();
    void rejectsBadFilter();

    void parsesOrderBy_data();
    void parsesOrderBy();
    void rejectsBadOrderBy_data();
    void rejectsBadOrderBy();
};

void TestSearchFilter::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestSearchFilter::parsesFilter_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("expected");

    // Prefixes, case-insensitive; keys keep their case except attribute names.
    QTest::newRow("metrics.") << u"metrics.acc > 0.9"_s << u"m[acc] > 0.9"_s;
    QTest::newRow("metric.") << u"metric.acc >= 1"_s << u"m[acc] >= 1"_s;
    QTest::newRow("METRICS. keeps key case") << u"METRICS.Acc < 2"_s << u"m[Acc] < 2"_s;
    QTest::newRow("params.") << u"params.lr = '0.01'"_s << u"p[lr] = '0.01'"_s;
    QTest::newRow("param.") << u"param.lr != 'x'"_s << u"p[lr] != 'x'"_s;
    QTest::newRow("parameters.") << u"parameters.optimizer = 'adam'"_s
                                 << u"p[optimizer] = 'adam'"_s;
    QTest::newRow("parameter.") << u"parameter.optimizer = 'adam'"_s << u"p[optimizer] = 'adam'"_s;
    QTest::newRow("tags.") << u"tags.team = 'vision'"_s << u"t[team] = 'vision'"_s;
    QTest::newRow("tag.") << u"tag.Team = 'vision'"_s << u"t[Team] = 'vision'"_s;
    QTest::newRow("attributes.") << u"attributes.status = 'FINISHED'"_s
                                 << u"a[status] = 'FINISHED'"_s;
    QTest::newRow("attribute.") << u"attribute.run_name = 'x'"_s << u"a[run_name] = 'x'"_s;
    QTest::newRow("attr.") << u"attr.start_time > 5"_s << u"a[start_time] > 5"_s;
    QTest::newRow("run.") << u"run.end_time <= 5"_s << u"a[end_time] <= 5"_s;
    QTest::newRow("unprefixed attribute") << u"status = 'RUNNING'"_s << u"a[status] = 'RUNNING'"_s;
    QTest::newRow("attribute name lower-cased")
        << u"Attributes.Start_Time > 5"_s << u"a[start_time] > 5"_s;
    QTest::newRow("unprefixed attribute lower-cased")
        << u"RUN_NAME = 'Mixed'"_s << u"a[run_name] = 'Mixed'"_s;

    // Quoted names.
    QTest::newRow("backquoted name with space")
        << u"tags.`model name` = 'resnet 50'"_s << u"t[model name] = 'resnet 50'"_s;
    QTest::newRow("backquoted name with dot")
        << u"metrics.`val.acc` > 0.5"_s << u"m[val.acc] > 0.5"_s;
    QTest::newRow("double-quoted name with space")
        << u"params.\"batch size\" = '32'"_s << u"p[batch size] = '32'"_s;
    QTest::newRow("double-quoted name with dot")
        << u"tags.\"mlflow.runName\" = 'a'"_s << u"t[mlflow.runName] = 'a'"_s;
    QTest::newRow("double-quoted value, as MLflow allows")
        << u"params.optimizer = \"adam\""_s << u"p[optimizer] = 'adam'"_s;
    QTest::newRow("backquoted attribute")
        << u"attributes.`Run Name` = 'a'"_s << u"a[run name] = 'a'"_s;
    // MLflow splits at the first dot only, so dotted keys need no quotes.
    QTest::newRow("unquoted dotted tag key")
        << u"tags.mlflow.parentRunId = 'abc'"_s << u"t[mlflow.parentRunId] = 'abc'"_s;
    QTest::newRow("unquoted dotted metric key")
        << u"metrics.val.top.acc >= 0.5"_s << u"m[val.top.acc] >= 0.5"_s;
    QTest::newRow("key with dash, slash, colon")
        << u"metrics.eval/loss-1:x < 1"_s << u"m[eval/loss-1:x] < 1"_s;

    // Values.
    QTest::newRow("doubled quote") << u"tags.note = 'it''s'"_s << u"t[note] = 'it's'"_s;
    QTest::newRow("doubled quote at the end") << u"tags.note = 'x'''"_s << u"t[note] = 'x''"_s;
    QTest::newRow("only a doubled quote") << u"tags.note = ''''"_s << u"t[note] = '''"_s;
    QTest::newRow("empty string") << u"tags.note = ''"_s << u"t[note] = ''"_s;
    QTest::newRow("string with spaces and double quotes")
        << u"tags.note = 'say \"hi\" (twice)'"_s << u"t[note] = 'say \"hi\" (twice)'"_s;
    QTest::newRow("string holding AND") << u"tags.note = 'a AND b'"_s << u"t[note] = 'a AND b'"_s;
    QTest::newRow("int") << u"metrics.acc = 3"_s << u"m[acc] = 3"_s;
    QTest::newRow("float") << u"metrics.acc = 0.25"_s << u"m[acc] = 0.25"_s;
    QTest::newRow("leading dot") << u"metrics.acc > .5"_s << u"m[acc] > 0.5"_s;
    QTest::newRow("negative int") << u"metrics.loss > -2"_s << u"m[loss] > -2"_s;
    QTest::newRow("negative float") << u"metrics.loss > -0.5"_s << u"m[loss] > -0.5"_s;
    QTest::newRow("negative leading dot") << u"metrics.loss > -.5"_s << u"m[loss] > -0.5"_s;
    QTest::newRow("explicit plus") << u"metrics.loss > +3"_s << u"m[loss] > 3"_s;
    QTest::newRow("exponent") << u"metrics.loss < 1e-3"_s << u"m[loss] < 0.001"_s;
    QTest::newRow("exponent upper, plus") << u"metrics.loss < 2.5E+2"_s << u"m[loss] < 250"_s;
    QTest::newRow("negative exponent value") << u"metrics.loss > -1e3"_s << u"m[loss] > -1000"_s;
    QTest::newRow("no spaces") << u"metrics.acc>=0.9"_s << u"m[acc] >= 0.9"_s;
    QTest::newRow("no spaces, negative") << u"metrics.acc>-1"_s << u"m[acc] > -1"_s;
    QTest::newRow("no spaces, string") << u"params.lr='x'"_s << u"p[lr] = 'x'"_s;

    // Operators; keywords in any case.
    QTest::newRow("=") << u"metrics.a = 1"_s << u"m[a] = 1"_s;
    QTest::newRow("== is =") << u"metrics.a == 1"_s << u"m[a] = 1"_s;
    QTest::newRow("!=") << u"metrics.a != 1"_s << u"m[a] != 1"_s;
    QTest::newRow("<") << u"metrics.a < 1"_s << u"m[a] < 1"_s;
    QTest::newRow("<=") << u"metrics.a <= 1"_s << u"m[a] <= 1"_s;
    QTest::newRow(">") << u"metrics.a > 1"_s << u"m[a] > 1"_s;
    QTest::newRow(">=") << u"metrics.a >= 1"_s << u"m[a] >= 1"_s;
    QTest::newRow("LIKE") << u"tags.t LIKE '%v_'"_s << u"t[t] LIKE '%v_'"_s;
    QTest::newRow("like") << u"tags.t like 'v%'"_s << u"t[t] LIKE 'v%'"_s;
    QTest::newRow("ILIKE") << u"tags.t ILIKE 'v%'"_s << u"t[t] ILIKE 'v%'"_s;
    QTest::newRow("iLike") << u"tags.t iLike 'v%'"_s << u"t[t] ILIKE 'v%'"_s;
    QTest::newRow("IN") << u"attributes.run_id IN ('a', 'b','c')"_s
                        << u"a[run_id] IN ['a'|'b'|'c']"_s;
    QTest::newRow("in, one value") << u"params.lr in ('0.1')"_s << u"p[lr] IN ['0.1']"_s;
    QTest::newRow("IN, quoted values")
        << u"tags.t IN ('it''s', 'a, b', '')"_s << u"t[t] IN ['it's'|'a, b'|'']"_s;
    QTest::newRow("NOT IN") << u"params.lr NOT IN ('a', 'b')"_s << u"p[lr] NOT IN ['a'|'b']"_s;
    QTest::newRow("not in") << u"params.lr not in ('a')"_s << u"p[lr] NOT IN ['a']"_s;
    QTest::newRow("Not In, no spaces")
        << u"params.lr Not In('a','b')"_s << u"p[lr] NOT IN ['a'|'b']"_s;

    // AND binds tighter than OR; parentheses group; same-kind chains are flat.
    QTest::newRow("AND chain") << u"metrics.a > 1 AND metrics.b > 2 and metrics.c > 3"_s
                               << u"AND(m[a] > 1, m[b] > 2, m[c] > 3)"_s;
    QTest::newRow("OR chain") << u"metrics.a > 1 OR metrics.b > 2 or metrics.c > 3"_s
                              << u"OR(m[a] > 1, m[b] > 2, m[c] > 3)"_s;
    QTest::newRow("AND then OR") << u"metrics.a > 1 AND metrics.b > 2 OR metrics.c > 3"_s
                                 << u"OR(AND(m[a] > 1, m[b] > 2), m[c] > 3)"_s;
    QTest::newRow("OR then AND") << u"metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3"_s
                                 << u"OR(m[a] > 1, AND(m[b] > 2, m[c] > 3))"_s;
    QTest::newRow("parentheses around OR")
        << u"(metrics.a > 1 OR metrics.b > 2) AND metrics.c > 3"_s
        << u"AND(OR(m[a] > 1, m[b] > 2), m[c] > 3)"_s;
    QTest::newRow("parentheses on the right")
        << u"metrics.a > 1 AND (metrics.b > 2 OR metrics.c > 3)"_s
        << u"AND(m[a] > 1, OR(m[b] > 2, m[c] > 3))"_s;
    QTest::newRow("nested parentheses stay nested")
        << u"metrics.a > 1 OR (metrics.b > 2 OR metrics.c > 3)"_s
        << u"OR(m[a] > 1, OR(m[b] > 2, m[c] > 3))"_s;
    QTest::newRow("redundant parentheses") << u"((metrics.a > 1))"_s << u"m[a] > 1"_s;
    QTest::newRow("mixed case keywords, no spaces around parentheses")
        << u"(params.x='1'Or params.y='2')And(tags.t='3'oR tags.u='4')"_s
        << u"AND(OR(p[x] = '1', p[y] = '2'), OR(t[t] = '3', t[u] = '4'))"_s;
    QTest::newRow("four terms")
        << u"metrics.a > 1 AND metrics.b > 2 OR metrics.c > 3 AND metrics.d > 4"_s
        << u"OR(AND(m[a] > 1, m[b] > 2), AND(m[c] > 3, m[d] > 4))"_s;
    QTest::newRow("surrounding blanks") << u"  \tmetrics.a > 1 \n"_s << u"m[a] > 1"_s;
}

void TestSearchFilter::parsesFilter()
{
    QFETCH(QString, filter);
    QFETCH(QString, expected);

    const Result<std::shared_ptr<FilterNode>> parsed = parseFilter(filter);
    QVERIFY2(parsed, qPrintable(parsed.errorMessage()));
    QVERIFY(*parsed);
    QCOMPARE(describe(**parsed), expected);
}

void TestSearchFilter::blankFilterGivesNoNode_data()
{
    QTest::addColumn<QString>("filter");
    QTest::newRow("empty") << QString();
    QTest::newRow("spaces") << u"   "_s;
    QTest::newRow("tabs and newlines") << u"\t\n "_s;
}

void TestSearchFilter::blankFilterGivesNoNode()
{
    QFETCH(QString, filter);
    const Result<std::shared_ptr<FilterNode>> parsed = parseFilter(filter);
    QVERIFY2(parsed, qPrintable(parsed.errorMessage()));
    QVERIFY(!*parsed);
}

void TestSearchFilter::recordsWhereEachComparisonStarts()
{
    //                      0         1         2         3         4
    //                      0123456789012345678901234567890123456789012345
    const QString filter = u"metrics.a > 1 AND (tags.`b c` = 'x' OR d = 'y')"_s;
    const Result<std::shared_ptr<FilterNode>> parsed = parseFilter(filter);
    QVERIFY2(parsed, qPrintable(parsed.errorMessage()));
    const FilterNode &root = **parsed;
    QCOMPARE(root.kind, FilterNode::Kind::And);
    QCOMPARE(root.children.size(), size_t(2));
    QCOMPARE(root.children[0].comparison.position, 0);
    const FilterNode &inner = root.children[1];
    QCOMPARE(inner.kind, FilterNode::Kind::Or);
    QCOMPARE(inner.children.size(), size_t(2));
    QCOMPARE(inner.children[0].comparison.position, 19);
    QCOMPARE(inner.children[1].comparison.position, 39);
}

void TestSearchFilter::rejectsBadFilter_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("column"); // 1-based, as the message gives it

    QTest::newRow("unterminated single quote") << u"tags.team = 'vision"_s << 13;
    QTest::newRow("unterminated backquote") << u"tags.`model name = 'x'"_s << 6;
    QTest::newRow("unterminated double quote") << u"params.\"lr = '1'"_s << 8;
    QTest::newRow("unterminated after a doubled quote") << u"tags.a = 'x''"_s << 10;
    QTest::newRow("missing value at the end") << u"metrics.acc >"_s << 14;
    QTest::newRow("missing value before AND") << u"metrics.acc > AND metrics.b > 1"_s << 15;
    QTest::newRow("missing operator") << u"metrics.acc 0.9"_s << 13;
    QTest::newRow("missing operator and value") << u"metrics.acc"_s << 12;
    QTest::newRow("NOT without IN") << u"params.lr NOT 'a'"_s << 11;
    QTest::newRow("unknown prefix") << u"foo.acc > 1"_s << 1;
    QTest::newRow("unknown prefix after AND") << u"metrics.acc > 1 AND bar.x = 'y'"_s << 21;
    QTest::newRow("missing key") << u"metrics. > 1"_s << 10;
    QTest::newRow("missing part of dotted key") << u"tags.mlflow. = 'x'"_s << 14;
    QTest::newRow("unclosed parenthesis") << u"(metrics.acc > 1"_s << 17;
    QTest::newRow("unclosed nested parenthesis") << u"((metrics.acc > 1)"_s << 19;
    QTest::newRow("extra closing parenthesis") << u"metrics.acc > 1)"_s << 16;
    QTest::newRow("empty parentheses") << u"()"_s << 2;
    QTest::newRow("trailing comparison without AND") << u"metrics.acc > 1 params.lr = 'x'"_s << 17;
    QTest::newRow("trailing word") << u"metrics.acc > 1 garbage"_s << 17;
    QTest::newRow("number glued to a word") << u"metrics.acc > 5abc"_s << 16;
    QTest::newRow("dangling AND") << u"metrics.acc > 1 AND"_s << 20;
    QTest::newRow("dangling OR") << u"metrics.acc > 1 OR "_s << 20;
    QTest::newRow("leading AND") << u"AND metrics.acc > 1"_s << 5;
    QTest::newRow("bang alone") << u"metrics.acc ! 1"_s << 13;
    QTest::newRow("bang at the end") << u"metrics.acc !"_s << 13;
    QTest::newRow("<> is not an operator") << u"metrics.acc <> 1"_s << 14;
    QTest::newRow("IN without list") << u"params.lr IN"_s << 13;
    QTest::newRow("IN with a bare value") << u"params.lr IN 'a'"_s << 14;
    QTest::newRow("IN with an empty list") << u"params.lr IN ()"_s << 15;
    QTest::newRow("IN list unclosed") << u"params.lr IN ('a'"_s << 18;
    QTest::newRow("IN list missing comma") << u"params.lr IN ('a' 'b')"_s << 19;
    QTest::newRow("IN list with a number") << u"params.lr IN ('a', 1)"_s << 20;
    QTest::newRow("NOT IN without list") << u"params.lr NOT IN"_s << 17;
    QTest::newRow("two dots in a number") << u"metrics.acc > 1.2.3"_s << 15;
    QTest::newRow("exponent without digits") << u"metrics.acc > 1e"_s << 15;
    QTest::newRow("unexpected character") << u"metrics.acc # 1"_s << 13;
    QTest::newRow("comparison starting with an operator") << u"> 1"_s << 1;
    QTest::newRow("value is a name") << u"params.lr = adam"_s << 13;
}

void TestSearchFilter::rejectsBadFilter()
{
    QFETCH(QString, filter);
    QFETCH(int, column);

    const Result<std::shared_ptr<FilterNode>> parsed = parseFilter(filter);
    QVERIFY2(!parsed, qPrintable(parsed ? describe(**parsed) : QString()));
    QCOMPARE(parsed.error().code, errorcode::kInvalidParameterValue);
    const QString where = u"at position %1:"_s.arg(column);
    QVERIFY2(parsed.error().message.contains(where),
             qPrintable(u"expected '%1' in: %2"_s.arg(where, parsed.error().message)));
}

void TestSearchFilter::parsesOrderBy_data()
{
    QTest::addColumn<QStringList>("clauses");
    QTest::addColumn<QString>("expected");

    QTest::newRow("none") << QStringList() << QString();
    QTest::newRow("metric DESC") << QStringList{u"metrics.acc DESC"_s} << u"m[acc] DESC"_s;
    QTest::newRow("metric desc") << QStringList{u"metric.acc desc"_s} << u"m[acc] DESC"_s;
    QTest::newRow("param ASC") << QStringList{u"params.lr ASC"_s} << u"p[lr] ASC"_s;
    QTest::newRow("param asc") << QStringList{u"param.lr asc"_s} << u"p[lr] ASC"_s;
    QTest::newRow("default ascending") << QStringList{u"parameters.lr"_s} << u"p[lr] ASC"_s;
    QTest::newRow("tag") << QStringList{u"tags.team DESC"_s} << u"t[team] DESC"_s;
    QTest::newRow("attribute") << QStringList{u"attributes.start_time"_s} << u"a[start_time] ASC"_s;
    QTest::newRow("attr., lower-cased")
        << QStringList{u"attr.Start_Time DESC"_s} << u"a[start_time] DESC"_s;
    QTest::newRow("unprefixed attribute")
        << QStringList{u"end_time DESC"_s} << u"a[end_time] DESC"_s;
    QTest::newRow("backquoted key")
        << QStringList{u"tags.`model name` DESC"_s} << u"t[model name] DESC"_s;
    QTest::newRow("double-quoted key")
        << QStringList{u"metrics.\"val acc\""_s} << u"m[val acc] ASC"_s;
    QTest::newRow("unquoted dotted key")
        << QStringList{u"tags.mlflow.runName DESC"_s} << u"t[mlflow.runName] DESC"_s;
    QTest::newRow("blanks around") << QStringList{u"  metrics.acc   DESC "_s} << u"m[acc] DESC"_s;
    QTest::newRow("several") << QStringList{u"params.optimizer"_s, u"metrics.acc DESC"_s,
                                            u"start_time"_s}
                             << u"p[optimizer] ASC, m[acc] DESC, a[start_time] ASC"_s;
}

void TestSearchFilter::parsesOrderBy()
{
    QFETCH(QStringList, clauses);
    QFETCH(QString, expected);

    const Result<QList<OrderTerm>> terms = parseOrderBy(clauses);
    QVERIFY2(terms, qPrintable(terms.errorMessage()));
    QCOMPARE(describe(*terms), expected);
}

void TestSearchFilter::rejectsBadOrderBy_data()
{
    QTest::addColumn<QStringList>("clauses");

    QTest::newRow("empty clause") << QStringList{QString()};
    QTest::newRow("unknown prefix") << QStringList{u"foo.acc DESC"_s};
    QTest::newRow("unknown direction") << QStringList{u"metrics.acc DOWN"_s};
    QTest::newRow("trailing word") << QStringList{u"metrics.acc DESC please"_s};
    QTest::newRow("missing key") << QStringList{u"metrics."_s};
    QTest::newRow("two terms in one clause") << QStringList{u"metrics.acc, params.lr"_s};
    QTest::newRow("quoted value instead of a name") << QStringList{u"'acc' DESC"_s};
    QTest::newRow("unterminated quote") << QStringList{u"metrics.`acc DESC"_s};
    QTest::newRow("second clause bad") << QStringList{u"metrics.acc"_s, u"DESC DESC DESC"_s};
}

void TestSearchFilter::rejectsBadOrderBy()
{
    QFETCH(QStringList, clauses);

    const Result<QList<OrderTerm>> terms = parseOrderBy(clauses);
    QVERIFY2(!terms, qPrintable(terms ? describe(*terms) : QString()));
    QCOMPARE(terms.error().code, errorcode::kInvalidParameterValue);
    QVERIFY(!terms.error().message.isEmpty());
}

QTEST_GUILESS_MAIN(TestSearchFilter)

#include "tst_searchfilter.moc"

// KeyValueList: the flat, key-sorted list that holds a run's params and tags.

#include "core/tracking/trackingtypes.h"

#include <QTest>

using namespace millrace::tracking;
using namespace Qt::StringLiterals;

class TestKeyValueList : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keysStaySortedWhateverTheOrderGiven()
    {
        KeyValueList list;
        for (const QString &key : {u"m"_s, u"b"_s, u"z"_s, u"a"_s, u"n"_s})
            list.insert(key, key.toUpper());
        QCOMPARE(list.keys(), (QStringList{u"a"_s, u"b"_s, u"m"_s, u"n"_s, u"z"_s}));
        QCOMPARE(list.size(), 5);
        QCOMPARE(list.value(u"n"_s), u"N"_s);
    }

    void insertingAKeyAgainReplacesItsValue()
    {
        KeyValueList list{{u"lr"_s, u"0.1"_s}, {u"epochs"_s, u"5"_s}};
        list.insert(u"lr"_s, u"0.01"_s);
        list.insert(u"epochs"_s, u"7"_s);
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.value(u"lr"_s), u"0.01"_s);
        QCOMPARE(list.value(u"epochs"_s), u"7"_s);
    }

    void missingKeysHaveNoValue()
    {
        const KeyValueList list{{u"b"_s, u""_s}};
        QVERIFY(list.contains(u"b"_s));
        QVERIFY(list.find(u"b"_s));
        QVERIFY(list.find(u"b"_s)->isEmpty());
        for (const QString &key : {u"a"_s, u"c"_s, u""_s, u"B"_s}) {
            QVERIFY(!list.contains(key));
            QCOMPARE(list.find(key), nullptr);
            QCOMPARE(list.value(key, u"fallback"_s), u"fallback"_s);
        }
        QVERIFY(!KeyValueList().contains(u"a"_s));
    }

    void removeTakesOnlyThatKey()
    {
        KeyValueList list{{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}, {u"c"_s, u"3"_s}};
        QVERIFY(list.remove(u"b"_s));
        QVERIFY(!list.remove(u"b"_s));
        QVERIFY(!list.remove(u"x"_s));
        QCOMPARE(list.keys(), (QStringList{u"a"_s, u"c"_s}));
        QCOMPARE(list.value(u"c"_s), u"3"_s);
    }

    void equalListsHaveTheSamePairs()
    {
        const KeyValueList inOrder{{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}};
        const KeyValueList reversed{{u"b"_s, u"2"_s}, {u"a"_s, u"1"_s}};
        QVERIFY(inOrder == reversed);
        QVERIFY(!(inOrder == KeyValueList{{u"a"_s, u"1"_s}, {u"b"_s, u"3"_s}}));
        QVERIFY(!(inOrder == KeyValueList{{u"a"_s, u"1"_s}}));
    }

    void iterationIsInKeyOrder()
    {
        const KeyValueList list{
            {u"layer2"_s, u"x"_s}, {u"layer10"_s, u"y"_s}, {u"Alpha"_s, u"z"_s}};
        QStringList seen;
        for (const KeyValue &item : list)
            seen.append(item.key + u'=' + item.value);
        // Plain code-unit order, as the store's ORDER BY key gives for ASCII keys.
        QCOMPARE(seen, (QStringList{u"Alpha=z"_s, u"layer10=y"_s, u"layer2=x"_s}));
    }
};

QTEST_GUILESS_MAIN(TestKeyValueList)
#include "tst_keyvaluelist.moc"

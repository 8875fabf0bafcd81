#include "core/ml/hyperparameters.h"

#include "mlverify.h"

#include <QTest>

#include <cstdint>
#include <limits>
#include <string>

using namespace millrace::ml;

using Kind = HyperparameterSpec::Kind;

Q_DECLARE_METATYPE(millrace::ml::HyperValue)
Q_DECLARE_METATYPE(millrace::ml::HyperparameterSpec)
Q_DECLARE_METATYPE(millrace::ml::SearchSpace)

namespace {

HyperparameterSpec integerSpec(const std::string &name, double min, double max,
                               std::int64_t defaultValue, bool logScale = false)
{
    HyperparameterSpec spec;
    spec.name = name;
    spec.kind = Kind::Integer;
    spec.min = min;
    spec.max = max;
    spec.logScale = logScale;
    spec.defaultValue = defaultValue;
    return spec;
}

HyperparameterSpec realSpec(const std::string &name, double min, double max, double defaultValue,
                            bool logScale = false)
{
    HyperparameterSpec spec;
    spec.name = name;
    spec.kind = Kind::Real;
    spec.min = min;
    spec.max = max;
    spec.logScale = logScale;
    spec.defaultValue = defaultValue;
    return spec;
}

HyperparameterSpec booleanSpec(const std::string &name, bool defaultValue)
{
    HyperparameterSpec spec;
    spec.name = name;
    spec.kind = Kind::Boolean;
    spec.defaultValue = defaultValue;
    return spec;
}

HyperparameterSpec choiceSpec(const std::string &name, std::vector<std::string> choices,
                              const std::string &defaultValue)
{
    HyperparameterSpec spec;
    spec.name = name;
    spec.kind = Kind::Choice;
    spec.choices = std::move(choices);
    spec.defaultValue = defaultValue;
    return spec;
}

// A trainer's space with one hyperparameter of every kind.
SearchSpace trainerSpace()
{
    return {realSpec("lr", 1e-5, 1e-1, 1e-3, true),
            integerSpec("epochs", 1, 50, 5),
            integerSpec("width", 16, 512, 128, true),
            realSpec("dropout", 0, 0.9, 0.0),
            booleanSpec("shuffle", true),
            choiceSpec("optimizer", {"sgd", "adam"}, "adam")};
}

constexpr double notANumber = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();

} // namespace

class TestHyperparameters : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acceptsAWellFormedSpace();
    void rejectsMalformedSpaces_data();
    void rejectsMalformedSpaces();
    void resolveFillsDefaults();
    void resolveKeepsGivenValues();
    void resolveTakesAnIntegerForAReal();
    void resolveRejectsBadValues_data();
    void resolveRejectsBadValues();
    void toStringReadsNaturally_data();
    void toStringReadsNaturally();
    void parseReadsBackWhatToStringWrote_data();
    void parseReadsBackWhatToStringWrote();
    void parseRejectsBadText_data();
    void parseRejectsBadText();
    void hyperValueReadsTypedValues();
};

void TestHyperparameters::acceptsAWellFormedSpace()
{
    ML_VERIFY_OK(validateSpace(trainerSpace()));
    ML_VERIFY_OK(validateSpace({}));
    // A range of one value is a fixed hyperparameter, not an error.
    ML_VERIFY_OK(validateSpace({realSpec("momentum", 0.9, 0.9, 0.9)}));
    ML_VERIFY_OK(validateSpace({integerSpec("layers", -3, 3, -3)}));
}

void TestHyperparameters::rejectsMalformedSpaces_data()
{
    QTest::addColumn<SearchSpace>("space");
    QTest::addColumn<QString>("expected");

    SearchSpace duplicate = trainerSpace();
    duplicate.push_back(integerSpec("epochs", 1, 9, 2));
    QTest::newRow("duplicate name") << duplicate << "hyperparameter 'epochs' is declared twice";
    QTest::newRow("no name") << SearchSpace{realSpec("", 0, 1, 0.5)} << "has no name";
    QTest::newRow("real min above max") << SearchSpace{realSpec("dropout", 0.9, 0.1, 0.5)}
                                        << "hyperparameter 'dropout' has min above max";
    QTest::newRow("integer min above max") << SearchSpace{integerSpec("epochs", 10, 1, 5)}
                                           << "hyperparameter 'epochs' has min above max";
    QTest::newRow("nan bound") << SearchSpace{realSpec("dropout", notANumber, 1, 0.5)}
                               << "hyperparameter 'dropout' has a range that is not finite";
    QTest::newRow("infinite bound") << SearchSpace{realSpec("decay", 0, infinity, 0.5)}
                                    << "hyperparameter 'decay' has a range that is not finite";
    QTest::newRow("log scale from zero") << SearchSpace{realSpec("lr", 0, 1, 0.1, true)}
                                         << "hyperparameter 'lr' has a log scale but min <= 0";
    QTest::newRow("log scale below zero") << SearchSpace{integerSpec("width", -4, 64, 8, true)}
                                          << "hyperparameter 'width' has a log scale but min <= 0";
    QTest::newRow("no choices") << SearchSpace{choiceSpec("optimizer", {}, "adam")}
                                << "hyperparameter 'optimizer' has no choices";
    QTest::newRow("real default out of range")
        << SearchSpace{realSpec("lr", 1e-5, 1e-1, 0.5, true)}
        << "the default of hyperparameter 'lr' is 0.5, outside [1e-05, 0.1]";
    QTest::newRow("integer default out of range")
        << SearchSpace{integerSpec("epochs", 1, 50, 0)}
        << "the default of hyperparameter 'epochs' is 0, outside [1, 50]";
    QTest::newRow("real default nan") << SearchSpace{realSpec("dropout", 0, 1, notANumber)}
                                      << "the default of hyperparameter 'dropout' must be a finite";
    QTest::newRow("default not in choices")
        << SearchSpace{choiceSpec("optimizer", {"sgd", "adam"}, "lbfgs")}
        << "the default of hyperparameter 'optimizer' is 'lbfgs', not one of sgd, adam";

    HyperparameterSpec realForInteger = integerSpec("epochs", 1, 50, 5);
    realForInteger.defaultValue = 5.0;
    QTest::newRow("integer default of type real")
        << SearchSpace{realForInteger} << "hyperparameter 'epochs' must be an integer";
    HyperparameterSpec textForBoolean = booleanSpec("shuffle", true);
    textForBoolean.defaultValue = std::string("yes");
    QTest::newRow("boolean default of type text")
        << SearchSpace{textForBoolean}
        << "hyperparameter 'shuffle' must be true or false, not 'yes'";
    HyperparameterSpec booleanForChoice = choiceSpec("optimizer", {"sgd"}, "sgd");
    booleanForChoice.defaultValue = true;
    QTest::newRow("choice default of type boolean")
        << SearchSpace{booleanForChoice} << "hyperparameter 'optimizer' must be one of its choices";
    HyperparameterSpec textForReal = realSpec("lr", 0, 1, 0.1);
    textForReal.defaultValue = std::string("0.1");
    QTest::newRow("real default of type text")
        << SearchSpace{textForReal} << "hyperparameter 'lr' must be a number, not '0.1'";
}

void TestHyperparameters::rejectsMalformedSpaces()
{
    QFETCH(SearchSpace, space);
    QFETCH(QString, expected);
    ML_VERIFY_FAILS(validateSpace(space), expected.toStdString());
}

void TestHyperparameters::resolveFillsDefaults()
{
    const Result<Hyperparameters> resolved = resolveHyperparameters(trainerSpace(), {});
    ML_VERIFY_OK(resolved);
    const Hyperparameters expected = {
        {"lr", 1e-3},     {"epochs", std::int64_t(5)}, {"width", std::int64_t(128)},
        {"dropout", 0.0}, {"shuffle", true},           {"optimizer", std::string("adam")}};
    QVERIFY(*resolved == expected);
}

void TestHyperparameters::resolveKeepsGivenValues()
{
    const Hyperparameters given = {{"lr", 0.05},
                                   {"epochs", std::int64_t(50)},
                                   {"shuffle", false},
                                   {"optimizer", std::string("sgd")}};
    const Result<Hyperparameters> resolved = resolveHyperparameters(trainerSpace(), given);
    ML_VERIFY_OK(resolved);
    QCOMPARE(resolved->size(), std::size_t(6));
    QCOMPARE(hyperValue<double>(*resolved, "lr"), 0.05);
    QCOMPARE(hyperValue<std::int64_t>(*resolved, "epochs"), std::int64_t(50)); // max is allowed
    QCOMPARE(hyperValue<bool>(*resolved, "shuffle"), false);
    QCOMPARE(hyperValue<std::string>(*resolved, "optimizer"), std::string("sgd"));
    QCOMPARE(hyperValue<std::int64_t>(*resolved, "width"), std::int64_t(128)); // the default
}

void TestHyperparameters::resolveTakesAnIntegerForAReal()
{
    const SearchSpace space = {realSpec("dropout", 0, 1, 0.5), realSpec("decay", 0, 10, 1)};
    const Result<Hyperparameters> resolved =
        resolveHyperparameters(space, {{"dropout", std::int64_t(1)}, {"decay", std::int64_t(0)}});
    ML_VERIFY_OK(resolved);
    // Stored as the real it stands for, so readers need not handle both types.
    QVERIFY(std::holds_alternative<double>(resolved->at("dropout")));
    QCOMPARE(std::get<double>(resolved->at("dropout")), 1.0);
    QCOMPARE(std::get<double>(resolved->at("decay")), 0.0);
}

void TestHyperparameters::resolveRejectsBadValues_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<HyperValue>("value");
    QTest::addColumn<QString>("expected");

    QTest::newRow("unknown name") << "momentum" << HyperValue(0.9)
                                  << "unknown hyperparameter 'momentum'";
    QTest::newRow("real for integer")
        << "epochs" << HyperValue(5.0) << "hyperparameter 'epochs' must be an integer";
    QTest::newRow("text for real") << "lr" << HyperValue(std::string("fast"))
                                   << "hyperparameter 'lr' must be a number, not 'fast'";
    QTest::newRow("boolean for real")
        << "dropout" << HyperValue(true) << "hyperparameter 'dropout' must be a number";
    QTest::newRow("integer for boolean") << "shuffle" << HyperValue(std::int64_t(1))
                                         << "hyperparameter 'shuffle' must be true or false";
    QTest::newRow("text for boolean") << "shuffle" << HyperValue(std::string("true"))
                                      << "hyperparameter 'shuffle' must be true or false";
    QTest::newRow("unknown choice") << "optimizer" << HyperValue(std::string("Adam"))
                                    << "hyperparameter 'optimizer' is 'Adam', not one of sgd, adam";
    QTest::newRow("real above max")
        << "lr" << HyperValue(0.5) << "hyperparameter 'lr' is 0.5, outside [1e-05, 0.1]";
    QTest::newRow("real below min")
        << "dropout" << HyperValue(-0.1) << "hyperparameter 'dropout' is -0.1, outside [0, 0.9]";
    QTest::newRow("integer below min") << "epochs" << HyperValue(std::int64_t(0))
                                       << "hyperparameter 'epochs' is 0, outside [1, 50]";
    QTest::newRow("integer above max") << "width" << HyperValue(std::int64_t(513))
                                       << "hyperparameter 'width' is 513, outside [16, 512]";
    QTest::newRow("integer for real out of range")
        << "dropout" << HyperValue(std::int64_t(1))
        << "hyperparameter 'dropout' is 1, outside [0, 0.9]";
    QTest::newRow("nan real") << "dropout" << HyperValue(notANumber)
                              << "hyperparameter 'dropout' must be a finite number";
    QTest::newRow("infinite real")
        << "lr" << HyperValue(infinity) << "hyperparameter 'lr' must be a finite number";
}

void TestHyperparameters::resolveRejectsBadValues()
{
    QFETCH(QString, name);
    QFETCH(HyperValue, value);
    QFETCH(QString, expected);
    ML_VERIFY_FAILS(resolveHyperparameters(trainerSpace(), {{name.toStdString(), value}}),
                    expected.toStdString());
}

void TestHyperparameters::toStringReadsNaturally_data()
{
    QTest::addColumn<HyperValue>("value");
    QTest::addColumn<QString>("text");

    QTest::newRow("integer") << HyperValue(std::int64_t(32)) << "32";
    QTest::newRow("negative integer") << HyperValue(std::int64_t(-7)) << "-7";
    QTest::newRow("largest integer")
        << HyperValue(std::numeric_limits<std::int64_t>::max()) << "9223372036854775807";
    QTest::newRow("learning rate") << HyperValue(0.001) << "0.001";
    QTest::newRow("tenth") << HyperValue(0.1) << "0.1";
    QTest::newRow("small") << HyperValue(1e-5) << "1e-05";
    QTest::newRow("whole real") << HyperValue(2.0) << "2";
    QTest::newRow("true") << HyperValue(true) << "true";
    QTest::newRow("false") << HyperValue(false) << "false";
    QTest::newRow("choice") << HyperValue(std::string("adam")) << "adam";
}

void TestHyperparameters::toStringReadsNaturally()
{
    QFETCH(HyperValue, value);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(toString(value)), text);
}

void TestHyperparameters::parseReadsBackWhatToStringWrote_data()
{
    QTest::addColumn<HyperparameterSpec>("spec");
    QTest::addColumn<HyperValue>("value");

    const HyperparameterSpec integer = integerSpec("epochs", -1e9, 1e9, 0);
    const HyperparameterSpec real = realSpec("lr", -1e9, 1e9, 0);
    QTest::newRow("integer") << integer << HyperValue(std::int64_t(32));
    QTest::newRow("negative integer") << integer << HyperValue(std::int64_t(-32));
    QTest::newRow("largest integer")
        << integer << HyperValue(std::numeric_limits<std::int64_t>::max());
    QTest::newRow("1e-5") << real << HyperValue(1e-5);
    QTest::newRow("0.1") << real << HyperValue(0.1);
    QTest::newRow("0.1 + 0.2") << real << HyperValue(0.1 + 0.2); // not 0.3: all digits kept
    QTest::newRow("third") << real << HyperValue(1.0 / 3.0);
    QTest::newRow("negative") << real << HyperValue(-2.5e-7);
    QTest::newRow("whole real") << real << HyperValue(64.0);
    QTest::newRow("large real") << real << HyperValue(6.02e23);
    QTest::newRow("true") << booleanSpec("shuffle", false) << HyperValue(true);
    QTest::newRow("false") << booleanSpec("shuffle", false) << HyperValue(false);
    QTest::newRow("choice") << choiceSpec("optimizer", {"sgd", "adam"}, "sgd")
                            << HyperValue(std::string("adam"));
    QTest::newRow("choice with spaces") << choiceSpec("loss", {"cross entropy", "mse"}, "mse")
                                        << HyperValue(std::string("cross entropy"));
}

void TestHyperparameters::parseReadsBackWhatToStringWrote()
{
    QFETCH(HyperparameterSpec, spec);
    QFETCH(HyperValue, value);
    const std::string text = toString(value);
    const Result<HyperValue> parsed = parseHyperValue(spec, text);
    ML_VERIFY_OK(parsed);
    QVERIFY2(*parsed == value, text.c_str()); // same type and, for doubles, the same bits
}

void TestHyperparameters::parseRejectsBadText_data()
{
    QTest::addColumn<HyperparameterSpec>("spec");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");

    const HyperparameterSpec integer = integerSpec("epochs", 1, 50, 5);
    const HyperparameterSpec real = realSpec("lr", 0, 1, 0.1);
    const HyperparameterSpec boolean = booleanSpec("shuffle", true);
    const HyperparameterSpec choice = choiceSpec("optimizer", {"sgd", "adam"}, "sgd");
    QTest::newRow("empty integer") << integer << ""
                                   << "hyperparameter 'epochs': '' is not an integer";
    QTest::newRow("real for integer") << integer << "5.0"
                                      << "'5.0' is not an integer";
    QTest::newRow("exponent for integer") << integer << "1e3"
                                          << "'1e3' is not an integer";
    QTest::newRow("integer with suffix") << integer << "5x"
                                         << "'5x' is not an integer";
    QTest::newRow("integer with space") << integer << " 5"
                                        << "' 5' is not an integer";
    QTest::newRow("integer overflow") << integer << "99999999999999999999"
                                      << "is not an integer";
    QTest::newRow("empty real") << real << ""
                                << "hyperparameter 'lr': '' is not a number";
    QTest::newRow("word for real") << real << "fast"
                                   << "'fast' is not a number";
    QTest::newRow("real with suffix") << real << "0.1s"
                                      << "'0.1s' is not a number";
    QTest::newRow("comma decimal") << real << "0,1"
                                   << "'0,1' is not a number";
    QTest::newRow("nan") << real << "nan"
                         << "'nan' is not a number";
    QTest::newRow("infinity") << real << "inf"
                              << "'inf' is not a number";
    QTest::newRow("real overflow") << real << "1e400"
                                   << "'1e400' is not a number";
    QTest::newRow("yes") << boolean << "yes"
                         << "hyperparameter 'shuffle': 'yes' is not true or false";
    QTest::newRow("capitalised") << boolean << "True"
                                 << "'True' is not true or false";
    QTest::newRow("empty boolean") << boolean << ""
                                   << "'' is not true or false";
    QTest::newRow("unknown choice") << choice << "rmsprop"
                                    << "hyperparameter 'optimizer': 'rmsprop' is not one of its";
    QTest::newRow("choice in other case") << choice << "Adam"
                                          << "'Adam' is not one of its";
}

void TestHyperparameters::parseRejectsBadText()
{
    QFETCH(HyperparameterSpec, spec);
    QFETCH(QString, text);
    QFETCH(QString, expected);
    ML_VERIFY_FAILS(parseHyperValue(spec, text.toStdString()), expected.toStdString());
}

void TestHyperparameters::hyperValueReadsTypedValues()
{
    const Hyperparameters values = {
        {"epochs", std::int64_t(5)}, {"lr", 0.01}, {"optimizer", std::string("adam")}};
    QCOMPARE(hyperValue<std::int64_t>(values, "epochs"), std::int64_t(5));
    QCOMPARE(hyperValue<double>(values, "epochs"), 5.0); // an integer reads as a real
    QCOMPARE(hyperValue<double>(values, "lr"), 0.01);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, hyperValue<double>(values, "momentum"));
    QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, hyperValue<bool>(values, "optimizer"));
    QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, hyperValue<std::int64_t>(values, "lr"));
}

QTEST_GUILESS_MAIN(TestHyperparameters)
#include "tst_hyperparameters.moc"

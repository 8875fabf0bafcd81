#include "ui/panels/jobs/triggerdialog.h"

#include "ui/panels/errorpalette.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace millrace::ui {

Result<QJsonObject> parseRunConfig(const QString &text)
{
    if (text.trimmed().isEmpty())
        return QJsonObject();
    const QByteArray bytes = text.toUtf8();
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError) {
        // The offset counts bytes; say where that is as a person counts.
        const QString before = QString::fromUtf8(bytes.left(error.offset));
        const int line = int(before.count(QLatin1Char('\n'))) + 1;
        const int column = int(before.size() - before.lastIndexOf(QLatin1Char('\n')));
        return fail(
            QObject::tr("Line %1, column %2: %3").arg(line).arg(column).arg(error.errorString()));
    }
    if (!document.isObject())
        return fail(
            QObject::tr("The config must be a JSON object, {\"key\": value, …}, not %1")
                .arg(document.isArray() ? QObject::tr("an array") : QObject::tr("a single value")));
    return document.object();
}

bool isAcceptableRunId(const QString &runId)
{
    if (runId.isEmpty())
        return true;
    if (runId.size() > 250 || runId == QLatin1String(".") || runId == QLatin1String(".."))
        return false;
    return std::all_of(runId.begin(), runId.end(), [](QChar c) {
        return c.isLetterOrNumber() || QStringView(u"_-.:+").contains(c);
    });
}

TriggerDialog::TriggerDialog(const QString &dagId, const QJsonObject &defaultConfig,
                             QWidget *parent)
    : QDialog(parent), m_dagId(dagId), m_config(new QPlainTextEdit), m_runId(new QLineEdit),
      m_error(new QLabel), m_trigger(nullptr)
{
    setObjectName(QStringLiteral("triggerDialog"));
    setWindowTitle(tr("Trigger %1").arg(dagId));

    auto *intro = new QLabel(tr("Starts a run of <b>%1</b> now, with this config over the DAG's "
                                "defaults (tasks read it as <code>{{ conf.key }}</code>).")
                                 .arg(dagId.toHtmlEscaped()));
    intro->setWordWrap(true);

    m_config->setObjectName(QStringLiteral("triggerConfig"));
    m_config->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_config->setTabChangesFocus(true);
    m_config->setPlainText(
        QString::fromUtf8(QJsonDocument(defaultConfig).toJson(QJsonDocument::Indented).trimmed()));
    m_runId->setObjectName(QStringLiteral("triggerRunId"));
    m_runId->setPlaceholderText(tr("made up when empty, as manual__<time>"));

    m_error->setObjectName(QStringLiteral("triggerError"));
    m_error->setPalette(errorPalette(palette()));
    m_error->setWordWrap(true);
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_trigger = buttons->addButton(tr("Trigger"), QDialogButtonBox::AcceptRole);
    m_trigger->setObjectName(QStringLiteral("triggerButton"));
    m_trigger->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *form = new QFormLayout;
    form->addRow(tr("Config (JSON):"), m_config);
    form->addRow(tr("Run id:"), m_runId);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(m_config, &QPlainTextEdit::textChanged, this, &TriggerDialog::validate);
    connect(m_runId, &QLineEdit::textChanged, this, &TriggerDialog::validate);
    validate();
    resize(520, 380);
}

QJsonObject TriggerDialog::config() const
{
    const Result<QJsonObject> parsed = parseRunConfig(m_config->toPlainText());
    return parsed ? *parsed : QJsonObject();
}

QString TriggerDialog::runId() const
{
    return m_runId->text().trimmed();
}

void TriggerDialog::validate()
{
    QString problem;
    const Result<QJsonObject> parsed = parseRunConfig(m_config->toPlainText());
    if (!parsed)
        problem = parsed.errorMessage();
    else if (!isAcceptableRunId(runId()))
        problem = tr("A run id may hold letters, digits and _ - . : + only (at most 250).");
    m_error->setText(problem);
    m_error->setVisible(!problem.isEmpty());
    m_trigger->setEnabled(problem.isEmpty());
}

} // namespace millrace::ui

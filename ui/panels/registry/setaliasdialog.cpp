#include "ui/panels/registry/setaliasdialog.h"

#include "core/registry/registrystore.h"

#include <QCompleter>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace millrace::ui {

QString aliasProblem(const QString &alias)
{
    // The registry's own rule (MLflow's), checked here to say why at once and write nothing.
    if (alias.isEmpty())
        return QObject::tr("Type a name for the alias.");
    return registry::validateAliasName(alias).errorMessage();
}

SetAliasDialog::SetAliasDialog(const QString &modelName, qint64 version,
                               const QList<registry::ModelAlias> &existing, QWidget *parent)
    : QDialog(parent), m_version(version), m_existing(existing), m_alias(new QLineEdit),
      m_message(new QLabel)
{
    setObjectName(QStringLiteral("setAliasDialog"));
    setWindowTitle(tr("Set Alias"));

    auto *intro = new QLabel(tr("Point an alias of “%1” at v%2. Clients load the version it "
                                "points at as <tt>models:/%1@<i>alias</i></tt>.")
                                 .arg(modelName.toHtmlEscaped())
                                 .arg(version));
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::RichText);

    m_alias->setObjectName(QStringLiteral("aliasName"));
    m_alias->setPlaceholderText(tr("e.g. champion"));
    QStringList names;
    for (const registry::ModelAlias &alias : existing)
        names << alias.alias;
    auto *completer = new QCompleter(names, m_alias);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_alias->setCompleter(completer);

    m_message->setObjectName(QStringLiteral("aliasMessage"));
    m_message->setWordWrap(true);
    m_message->setMinimumHeight(m_message->fontMetrics().height() * 2);
    m_message->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_setButton = buttons->addButton(tr("Set Alias"), QDialogButtonBox::AcceptRole);
    m_setButton->setObjectName(QStringLiteral("setAliasButton"));
    m_setButton->setDefault(true);
    // Enter means "set": while the name is refused it does nothing, rather than falling through
    // to Cancel as an auto-default button would.
    buttons->button(QDialogButtonBox::Cancel)->setAutoDefault(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &SetAliasDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SetAliasDialog::reject);
    connect(m_alias, &QLineEdit::textChanged, this, &SetAliasDialog::update);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_alias);
    layout->addWidget(m_message);
    layout->addWidget(buttons);
    resize(440, sizeHint().height());
    update();
}

QString SetAliasDialog::alias() const
{
    return m_alias->text().trimmed();
}

void SetAliasDialog::accept()
{
    if (!aliasProblem(alias()).isEmpty()) {
        update();
        return;
    }
    QDialog::accept();
}

void SetAliasDialog::update()
{
    const QString name = alias();
    const QString problem = aliasProblem(name);
    m_setButton->setEnabled(problem.isEmpty());
    QPalette palette = this->palette();
    if (!name.isEmpty() && !problem.isEmpty()) {
        // Red that reads on light and dark windows alike.
        const bool dark = palette.color(QPalette::Window).lightness() < 128;
        palette.setColor(QPalette::WindowText,
                         dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb7, 0x1c, 0x1c));
    } else if (name.isEmpty()) {
        palette.setColor(QPalette::WindowText, palette.color(QPalette::PlaceholderText));
    }
    m_message->setPalette(palette);
    if (name.isEmpty()) {
        m_message->setText(tr("Letters, digits, underscores and dashes."));
        return;
    }
    if (!problem.isEmpty()) {
        m_message->setText(problem);
        return;
    }
    for (const registry::ModelAlias &existing : std::as_const(m_existing)) {
        if (existing.alias != name)
            continue;
        if (existing.version == m_version)
            m_message->setText(tr("@%1 points at v%2 already.").arg(name).arg(m_version));
        else
            m_message->setText(tr("@%1 points at v%2 now; it moves to v%3.")
                                   .arg(name)
                                   .arg(existing.version)
                                   .arg(m_version));
        return;
    }
    m_message->setText(tr("A new alias: @%1 → v%2.").arg(name).arg(m_version));
}

} // namespace millrace::ui

"""German request frames and phrase lists (hand-written; see ../README.md)."""

LANG = "de"
AND = "und"

SLOTS = {
    "concept": [
        "Dependency Injection", "der GIL", "eine Closure", "Eventual Consistency", "das CAP-Theorem",
        "ein Mutex", "Endrekursion", "Memoisierung", "CORS", "ein Datenbankindex", "ein ORM",
        "optimistisches Locking", "eine Race Condition", "die Garbage Collection", "Idempotenz",
        "der Event Loop", "Sharding", "ein JWT", "Connection Pooling", "das N+1-Problem",
    ],
    "concept2": [
        "einem Prozess und einem Thread", "TCP und UDP", "einer Liste und einem Tupel", "Merge und Rebase",
        "PUT und PATCH", "SQL und NoSQL", "Authentifizierung und Autorisierung", "einem Mock und einem Stub",
        "einem Interface und einer abstrakten Klasse", "Cookies und localStorage",
    ],
    "small_feature": [
        "ein `--verbose`-Flag zur CLI", "Paginierung zum Endpoint {endpoint}", "einen Health-Check-Endpoint",
        "eine Spalte `created_at` zur Tabelle {table}", "Validierung zum Registrierungsformular",
        "einen Spinner zum Speichern-Button", "einen Dark Mode zur Einstellungsseite",
        "Retries mit Backoff zum HTTP-Client", "einen Index auf {table}.{column}",
        "Rate Limiting für {endpoint}", "einen CSV-Export-Button auf der Berichtsseite",
        "Typannotationen zu {file}", "Caching zu `{func}`", "ein Timeout zum Datenbank-Client",
    ],
    "change": [
        "benenne `{func}` überall um", "stelle `{func}` auf async/await um",
        "lagere die Validierung aus {file} in eine eigene Funktion aus", "ersetze {lib} durch {lib2} in {file}",
        "schreib Unit-Tests für `{func}`", "mach das Datumsformat in {file} konfigurierbar",
        "entferne den toten Code in {file}", "teile {file} in zwei Module auf",
        "erstelle ein Dockerfile für die {tech}-App", "korrigiere den Tippfehler in der Willkommensmail",
        "aktualisiere den Installationsabschnitt in der README",
    ],
    "symptom": [
        "die App stürzt beim Ausloggen ab", "die Login-Seite ist in Safari leer",
        "der Speicher wächst, bis der Worker per OOM beendet wird", "der Cronjob läuft jede Nacht zweimal",
        "Preise aktualisieren sich nach einer Änderung im Admin nicht", "der Websocket bricht alle 60 Sekunden ab",
        "der Speichern-Button tut nichts", "die Zeiten in den Berichten sind um eine Stunde verschoben",
        "die Abfrage auf {table} dauert 12 Sekunden", "{cmd} hängt im CI ewig", "E-Mails werden doppelt verschickt",
        "`{func}` gibt bei gültigen Eingaben None zurück", "die API liefert nur auf Staging 500",
        "der Container beendet sich direkt nach dem Start", "der Build läuft lokal, aber im CI schlägt er fehl",
    ],
    "design_topic": [
        "das Rate Limiting in unserem API-Gateway", "die Ordnerstruktur eines neuen {tech}-Service",
        "das Caching des Produktkatalogs", "das Datenmodell für eine Bibliothek",
        "den API-Vertrag für die Bewertungen", "die Authentifizierung für Mobile- und Web-Client",
        "Hintergrundjobs für Berichte", "ein Plugin-System für unsere Exporter",
        "das Schema für mandantenfähige Rechnungen", "die Ablage von hochgeladenen Dateien",
        "die Versionierung der öffentlichen API", "ein Audit-Log",
    ],
    "choice": [
        "{tech} oder {tech2} für den neuen Service", "Monolith oder Microservices für das MVP",
        "PostgreSQL oder MongoDB für Bestellungen", "Kafka oder RabbitMQ für Events",
        "REST oder GraphQL für die Mobile-API",
    ],
    "part": [
        "eine REST-API", "ein React-Frontend", "ein Admin-Panel", "Datenbankmigrationen", "End-to-End-Tests",
        "Push-Benachrichtigungen", "E-Mail-Zusammenfassungen", "rollenbasierte Zugriffskontrolle",
        "eine CI/CD-Pipeline", "Zahlungen mit Stripe", "eine Suche mit Filtern", "Monitoring und Alerts",
        "Dokumentation", "einen Mobile-Client", "Unit-Tests", "ein Analytics-Dashboard",
    ],
    "product": [
        "eine Mobile-App für unseren Onlineshop", "einen Telegram-Bot mit Zahlungen",
        "ein Terminbuchungssystem für eine Praxis", "ein internes CRM", "eine Blogplattform mit Kommentaren",
        "einen Task-Tracker wie Trello", "eine Chat-Anwendung", "ein Lagerverwaltungssystem",
        "eine Plattform für Onlinekurse", "eine Essenslieferungs-App",
    ],
    "big_feature": [
        "Zwei-Faktor-Authentifizierung", "Mandantenfähigkeit", "Volltextsuche", "einen Offline-Modus",
        "ein Benachrichtigungssystem", "Abo-Abrechnung", "Single Sign-On", "ein Berechtigungssystem",
        "Internationalisierung",
    ],
    "area": [
        "das Abrechnungsmodul", "das ganze Backend", "alle unsere Services", "das Frontend",
        "die Admin-Seiten", "alle 30 API-Endpoints", "den Bezahlprozess",
    ],
}

PREFIX = [
    "Wir sind ein kleines Team mit einem {tech}-Monolithen.", "Ich bin neu in diesem Projekt.",
    "Kontext: ein Legacy-Projekt von 2015.", "Kunden haben sich gestern beschwert.", "Hallo!",
    "Ich sitze seit heute Morgen daran.", "In Produktion nutzen wir {tech} und {tech2}.", "Kurze Frage.",
]
SUFFIX = ["Danke!", "Keine Eile.", "Danke im Voraus.", "Das blockiert das Release.", "Wir nutzen {tech}, falls relevant."]

FRAMES = {
    ("ask", True): [
        "Was ist {concept}?", "Kannst du {concept} einfach erklären?",
        "Was ist der Unterschied zwischen {concept2}?", "Wie funktioniert {concept} intern?",
        "Wozu braucht man {concept}?", "Was macht `{func}` in {file}?",
        "Was bedeutet `{error}` normalerweise? Nur aus Neugier, nichts ist kaputt.",
        "Warum nutzt dieses Projekt {lib} statt {lib2}?", "Erklär mir, wofür {file} da ist.",
        "Wann lohnt sich {concept} und wann ist es übertrieben?", "Gib mir ein Beispiel für {concept} in {tech}.",
        "Was sind Vor- und Nachteile von {concept}?", "Wie schlägt sich {tech} gegen {tech2} für Einsteiger?",
    ],
    ("coder", True): [
        "Füge {small_feature} hinzu.", "Bitte {change}.", "Kannst du {change}?", "füg {small_feature} hinzu",
        "Implementiere `{func}` in {file}.", "Schreib Unit-Tests für `{func}` aus {file}.",
        "Erstelle einen neuen Endpoint {endpoint}, der JSON liefert.", "Füge {small_feature} und einen Test dazu hinzu.",
        "Schreib eine Funktion, die zwei sortierte Listen zusammenführt.",
        "Ersetze die fest eingetragene URL in {file} durch eine Umgebungsvariable.",
        "Füge dem Modell {table} ein Feld `{column}` hinzu und gib es in {endpoint} aus.",
        "Refaktoriere `{func}`, damit die verschachtelten ifs verschwinden.",
    ],
    ("debug", True): [
        "{symptom}. Kannst du das beheben?", "Behebe das: {symptom_lc}.", "{symptom}, eine Idee warum?",
        "Ich bekomme `{error}`, wenn ich {cmd} ausführe.", "In {file} fliegt `{error}`, bitte fixen.",
        "Warum passiert das: {symptom_lc}?", "{cmd} schlägt so fehl:\n{trace}", "Hier der Traceback:\n{trace}\nWas ist falsch?",
        "Die Tests in {file} schlagen seit dem Merge fehl. Finde heraus, warum.", "Produktion ist down mit `{error}`. Hilfe!",
        "{symptom}; seit dem Update auf {tech}.", "Beim Aufruf von {endpoint} kommt `{error}`.",
    ],
    ("architect", True): [
        "Schlag ein Design für {design_topic} vor, bevor wir Code schreiben.", "Wie würdest du {design_topic} entwerfen?",
        "Was würdest du wählen: {choice}? Erklär die Abwägungen für unseren Fall.",
        "Skizziere die Architektur für {design_topic}.", "Welche Struktur ist sinnvoll für {design_topic}?",
        "Entwirf {design_topic}: Komponenten, Datenfluss und Fehlerfälle.",
        "Welches Entwurfsmuster passt zu {design_topic}?", "Vergleiche zwei Ansätze für {design_topic} und empfiehl einen.",
        "Wie würdest du {area} in Module aufteilen? Nur das Design, kein Code.",
    ],
    ("coder", False): [
        "Baue {product}.", "Erstelle {product} von Grund auf.", "Implementiere {big_feature} komplett: {parts}.",
        "Schau dir das aktuelle Projekt an und implementiere dann {big_feature}.", "Füge der App {big_feature} hinzu: {parts}.",
        "Wir brauchen {product} mit {parts}.", "Migriere {area} von {tech} auf {tech2} und passe die Tests an.",
        "Lies zuerst den Code, füge dann {big_feature} hinzu, schreib danach Tests und aktualisiere die Doku.",
        "Entwickle {product}:\n{bullets}", "Setze Folgendes um:\n{numbered}",
    ],
    ("architect", False): [
        "Entwirf und plane {product}: {parts}.", "Plane die Migration von {area} auf {tech}: {parts}.",
        "Bereite die Architektur und einen schrittweisen Migrationsplan von {tech} auf {tech2} für {area} vor.",
        "Entwirf das ganze Backend für {product} und plane die Reihenfolge der Umsetzung.",
        "Erstelle einen vollständigen technischen Plan für {big_feature}: {parts}.",
    ],
    ("debug", False): [
        "Nach dem Update auf {tech} hat {area} mehrere Fehler: {symptom_lc}, und außerdem {symptom2_lc}. Untersuche jeden und behebe sie.",
        "Wir haben viele instabile Tests in {area}; finde die Ursachen und behebe alle.",
        "Heute kamen mehrere Bugs: {symptom_lc}; {symptom2_lc}; und `{error}` in {file}. Behebe alle.",
        "Behebe alle diese Probleme:\n{bug_bullets}",
    ],
    ("ask", False): [
        "Geh alle Module in {area} durch und beschreibe für jedes, was es tut, seine Risiken und seine Testabdeckung.",
        "Studiere die ganze Codebasis und schreib Dokumentation für jedes öffentliche Modul.",
        "Analysiere {area} und erstelle einen Bericht über technische Schulden mit priorisierter Liste.",
    ],
}

HANDWRITTEN = [
    ("sag mal, wie funktionieren Decorators in Python eigentlich?", "ask", True),
    ("setz die Node-Version in .nvmrc auf 20", "coder", True),
    ("Das Formular akzeptiert E-Mails ohne @. Das ist ein Bug, bitte beheben.", "debug", True),
    ("Wie würdest du die Pakete für eine hexagonale Architektur in Go schneiden?", "architect", True),
    ("Schau dir das Projekt an und bau eine Mobile-App dafür.", "coder", False),
    ("Richte das ganze Projekt ein: Repo-Struktur, Backend, Frontend, Docker, CI und ein erstes Deployment.", "coder", False),
]

# Round 2 (written after the second dev-set run, which showed only aggregate figures;
# see ../README.md).
HANDWRITTEN += [
    ("Was macht `git stash pop` genau, wenn es Konflikte gibt?", "ask", True),
    ("Wo wird in diesem Projekt das Logging konfiguriert?", "ask", True),
    ("Ändere das Session-Timeout von 30 auf 60 Minuten.", "coder", True),
    ("Der Absenden-Button soll deaktiviert sein, bis das Formular gültig ist.", "coder", True),
    ("Zeig eine verständliche Fehlermeldung, wenn die Datei zu groß ist.", "coder", True),
    ("Seit heute Morgen kann sich die Hälfte der Nutzer nicht einloggen.", "debug", True),
    ("Die Summe im Warenkorb stimmt nicht, wenn ich dasselbe Produkt zweimal hinzufüge.", "debug", True),
    ("Schreib ein ADR dazu, ob wir Event Sourcing für Bestellungen einführen.", "architect", True),
    ("Entwirf das Datenbankschema für Nutzer, Teams, Projekte und Einladungen.", "architect", True),
    ("Baue ein Abrechnungssystem: Tarife, Testphasen, Rechnungen und ein Kundenportal.", "coder", False),
    ("Nutzer melden Langsamkeit, zufällige Logouts und kaputte Bilder auf der mobilen Seite. Untersuche alle drei und behebe sie.", "debug", False),
]

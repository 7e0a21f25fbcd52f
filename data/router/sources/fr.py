"""French request frames and phrase lists (hand-written; see ../README.md)."""

LANG = "fr"
AND = "et"

SLOTS = {
    "concept": [
        "l'injection de dépendances", "le GIL", "une closure", "la cohérence à terme", "le théorème CAP",
        "un mutex", "la récursion terminale", "la mémoïsation", "CORS", "un index de base de données",
        "un ORM", "le verrouillage optimiste", "une condition de concurrence", "le ramasse-miettes",
        "l'idempotence", "la boucle d'événements", "le sharding", "un JWT", "le pool de connexions",
    ],
    "concept2": [
        "un processus et un thread", "TCP et UDP", "une liste et un tuple", "merge et rebase",
        "PUT et PATCH", "SQL et NoSQL", "l'authentification et l'autorisation", "un mock et un stub",
        "une interface et une classe abstraite",
    ],
    "small_feature": [
        "un flag `--verbose` à la CLI", "la pagination à l'endpoint {endpoint}", "un endpoint de health check",
        "une colonne `created_at` à la table {table}", "une validation au formulaire d'inscription",
        "un spinner au bouton d'enregistrement", "un mode sombre à la page des réglages",
        "des retries avec backoff au client HTTP", "un index sur {table}.{column}",
        "une limite de débit sur {endpoint}", "un bouton d'export CSV sur la page des rapports",
        "des annotations de type à {file}", "un cache à `{func}`",
    ],
    "change": [
        "renomme `{func}` partout", "passe `{func}` en async/await",
        "extrais la validation de {file} dans une fonction à part", "remplace {lib} par {lib2} dans {file}",
        "écris des tests unitaires pour `{func}`", "rends le format de date de {file} configurable",
        "supprime le code mort de {file}", "découpe {file} en deux modules",
        "crée un Dockerfile pour l'appli {tech}", "corrige la faute dans l'e-mail de bienvenue",
    ],
    "symptom": [
        "l'appli plante quand je me déconnecte", "la page de connexion est blanche sous Safari",
        "la mémoire grimpe jusqu'à ce que le worker soit tué (OOM)", "le cron tourne deux fois chaque nuit",
        "les prix ne se mettent pas à jour après modification dans l'admin",
        "le websocket se coupe toutes les 60 secondes", "le bouton Enregistrer ne fait rien",
        "les heures des rapports sont décalées d'une heure", "la requête sur {table} prend 12 secondes",
        "{cmd} reste bloqué en CI", "les e-mails partent en double", "`{func}` renvoie None pour une entrée valide",
        "l'API renvoie 500 seulement en préprod", "le build passe en local mais échoue en CI",
    ],
    "design_topic": [
        "le rate limiting de notre API gateway", "l'arborescence d'un nouveau service {tech}",
        "le cache du catalogue produits", "le modèle de données d'une bibliothèque",
        "le contrat d'API des avis clients", "l'authentification pour les clients mobile et web",
        "les tâches de fond pour les rapports", "un système de plugins pour nos exports",
        "le schéma des factures multi-tenant", "le versionnage de l'API publique", "un journal d'audit",
    ],
    "choice": [
        "{tech} ou {tech2} pour le nouveau service", "monolithe ou microservices pour le MVP",
        "PostgreSQL ou MongoDB pour les commandes", "Kafka ou RabbitMQ pour les événements",
    ],
    "part": [
        "une API REST", "un frontend React", "un panneau d'administration", "des migrations de base",
        "des tests end-to-end", "des notifications push", "des résumés par e-mail", "un contrôle d'accès par rôles",
        "un pipeline CI/CD", "le paiement avec Stripe", "une recherche avec filtres", "du monitoring et des alertes",
        "de la documentation", "un client mobile", "des tests unitaires", "un tableau de bord analytique",
    ],
    "product": [
        "une appli mobile pour notre boutique en ligne", "un bot Telegram avec paiement",
        "un système de prise de rendez-vous pour un cabinet", "un CRM interne", "une plateforme de blog",
        "un gestionnaire de tâches façon Trello", "une application de chat", "une plateforme de cours en ligne",
    ],
    "big_feature": [
        "l'authentification à deux facteurs", "le multi-tenant", "la recherche plein texte", "un mode hors ligne",
        "un système de notifications", "la facturation par abonnement", "le SSO", "la gestion des droits",
    ],
    "area": [
        "le module de facturation", "tout le backend", "tous nos services", "le frontend",
        "les pages d'admin", "les 30 endpoints de l'API", "le parcours de paiement",
    ],
}

PREFIX = [
    "On est une petite équipe avec un monolithe {tech}.", "Je découvre ce projet.",
    "Contexte : un projet legacy de 2015.", "Des clients se sont plaints hier.", "Salut !",
    "J'y suis depuis ce matin.", "En prod on utilise {tech} et {tech2}.", "Petite question.",
]
SUFFIX = ["Merci !", "Pas d'urgence.", "Merci d'avance.", "Ça bloque la release.", "On est sur {tech}, si ça compte."]

FRAMES = {
    ("ask", True): [
        "C'est quoi {concept} ?", "Tu peux m'expliquer {concept} simplement ?",
        "Quelle est la différence entre {concept2} ?", "Comment fonctionne {concept} en interne ?",
        "À quoi sert {concept} ?", "Que fait `{func}` dans {file} ?",
        "Que veut dire `{error}` en général ? Simple curiosité, rien n'est cassé.",
        "Pourquoi ce projet utilise {lib} et pas {lib2} ?", "Explique-moi à quoi sert {file}.",
        "Quand faut-il utiliser {concept}, et quand est-ce trop ?", "Donne-moi un exemple de {concept} en {tech}.",
        "Quels sont les avantages et inconvénients de {concept} ?",
    ],
    ("coder", True): [
        "Ajoute {small_feature}.", "S'il te plaît, {change}.", "Tu peux {change} ?", "ajoute {small_feature}",
        "Implémente `{func}` dans {file}.", "Écris des tests unitaires pour `{func}` de {file}.",
        "Crée un nouvel endpoint {endpoint} qui renvoie du JSON.", "Ajoute {small_feature} et un test.",
        "Écris une fonction qui fusionne deux listes triées.",
        "Remplace l'URL en dur dans {file} par une variable d'environnement.",
        "Ajoute un champ `{column}` au modèle {table} et expose-le dans {endpoint}.",
    ],
    ("debug", True): [
        "{symptom}. Tu peux corriger ?", "Corrige ça : {symptom_lc}.", "{symptom}, une idée de pourquoi ?",
        "J'ai `{error}` quand je lance {cmd}.", "Dans {file} ça lève `{error}`, corrige s'il te plaît.",
        "Pourquoi {symptom_lc} ?", "{cmd} échoue comme ça :\n{trace}", "Voici la trace :\n{trace}\nQu'est-ce qui cloche ?",
        "Les tests de {file} échouent depuis le merge. Trouve pourquoi.", "La prod est tombée avec `{error}`. À l'aide !",
        "En appelant {endpoint} j'obtiens `{error}`.",
    ],
    ("architect", True): [
        "Propose une conception pour {design_topic} avant qu'on écrive du code.", "Comment concevrais-tu {design_topic} ?",
        "Tu choisirais quoi : {choice} ? Explique les compromis pour notre cas.",
        "Esquisse l'architecture pour {design_topic}.", "Quelle structure a du sens pour {design_topic} ?",
        "Conçois {design_topic} : composants, flux de données et cas de panne.",
        "Quel patron de conception convient à {design_topic} ?", "Compare deux approches pour {design_topic} et recommande-en une.",
    ],
    ("coder", False): [
        "Construis {product}.", "Crée {product} de zéro.", "Implémente {big_feature} de bout en bout : {parts}.",
        "Étudie le projet actuel puis implémente {big_feature}.", "Ajoute {big_feature} à l'appli : {parts}.",
        "Il nous faut {product} avec {parts}.", "Migre {area} de {tech} vers {tech2} et mets à jour les tests.",
        "Lis d'abord le code, ensuite ajoute {big_feature}, puis écris les tests et mets à jour la doc.",
        "Développe {product} :\n{bullets}", "Implémente ce qui suit :\n{numbered}",
    ],
    ("architect", False): [
        "Conçois et planifie {product} : {parts}.", "Planifie la migration de {area} vers {tech} : {parts}.",
        "Prépare l'architecture et un plan de migration étape par étape de {tech} vers {tech2} pour {area}.",
        "Conçois tout le backend de {product} et planifie l'ordre d'implémentation.",
        "Prépare un plan technique complet pour {big_feature} : {parts}.",
    ],
    ("debug", False): [
        "Après la mise à jour de {tech}, {area} a plusieurs pannes : {symptom_lc}, et aussi {symptom2_lc}. Analyse chacune et corrige-les.",
        "On a plein de tests instables dans {area} ; trouve les causes et corrige-les tous.",
        "Corrige tous ces problèmes :\n{bug_bullets}",
    ],
    ("ask", False): [
        "Passe en revue tous les modules de {area} et rédige, pour chacun, ce qu'il fait, ses risques et sa couverture de tests.",
        "Étudie toute la base de code et écris la documentation de chaque module public.",
        "Analyse {area} et rédige un rapport sur la dette technique avec une liste priorisée de corrections.",
    ],
}

HANDWRITTEN = [
    ("au fait, comment marchent les décorateurs en Python ?", "ask", True),
    ("passe la version de node dans .nvmrc à 20", "coder", True),
    ("Le formulaire accepte des e-mails sans @. C'est un bug, corrige-le.", "debug", True),
    ("Comment découperais-tu les paquets pour une architecture hexagonale en Go ?", "architect", True),
    ("Étudie le projet et fais-en une appli mobile.", "coder", False),
]

# Round 2 (written after the second dev-set run, which showed only aggregate figures;
# see ../README.md).
HANDWRITTEN += [
    ("Que fait exactement `git stash pop` en cas de conflit ?", "ask", True),
    ("Change la durée de session de 30 à 60 minutes.", "coder", True),
    ("Le bouton d'envoi doit rester désactivé tant que le formulaire n'est pas valide.", "coder", True),
    ("Depuis ce matin, la moitié des utilisateurs ne peut plus se connecter.", "debug", True),
    ("Rédige un ADR : adopte-t-on l'event sourcing pour les commandes ?", "architect", True),
    ("Conçois le schéma de base pour les utilisateurs, équipes, projets et invitations.", "architect", True),
    ("Ajoute un système de facturation : offres, essais, factures et portail client.", "coder", False),
]

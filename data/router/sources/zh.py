"""Chinese request frames and phrase lists (hand-written; see ../README.md)."""

LANG = "zh"
AND = "和"
LIST_SEP = "、"

SLOTS = {
    "concept": [
        "依赖注入", "GIL", "闭包", "最终一致性", "CAP 定理", "互斥锁", "尾递归", "记忆化", "CORS",
        "数据库索引", "ORM", "乐观锁", "竞态条件", "垃圾回收", "幂等性", "事件循环", "分片", "JWT",
        "连接池", "N+1 查询问题",
    ],
    "concept2": [
        "进程和线程", "TCP 和 UDP", "列表和元组", "merge 和 rebase", "PUT 和 PATCH", "SQL 和 NoSQL",
        "认证和授权", "mock 和 stub", "接口和抽象类",
    ],
    "small_feature": [
        "一个 `--verbose` 参数", "{endpoint} 接口的分页", "一个健康检查接口", "{table} 表的 `created_at` 字段",
        "注册表单的输入校验", "保存按钮的加载动画", "设置页的深色模式", "HTTP 客户端的重试和退避",
        "{table}.{column} 上的索引", "{endpoint} 的限流", "报表页的 CSV 导出按钮", "{file} 的类型注解",
        "`{func}` 的缓存",
    ],
    "change": [
        "把 `{func}` 全局重命名", "把 `{func}` 改成 async/await", "把 {file} 里的校验逻辑抽成单独的函数",
        "把 {file} 里的 {lib} 换成 {lib2}", "给 `{func}` 写单元测试", "让 {file} 里的日期格式可配置",
        "删掉 {file} 里的死代码", "把 {file} 拆成两个模块", "给 {tech} 应用写一个 Dockerfile",
        "修正欢迎邮件里的错别字",
    ],
    "symptom": [
        "退出登录时应用崩溃", "登录页在 Safari 里是白屏", "内存一直涨到 worker 被 OOM 杀掉",
        "定时任务每晚执行两次", "后台改了价格之后前台不更新", "websocket 每 60 秒断开一次",
        "点保存按钮没有反应", "报表里的时间差了一个小时", "{table} 上的查询要 12 秒",
        "{cmd} 在 CI 上一直卡住", "邮件发了两遍", "`{func}` 对合法输入返回 None",
        "API 只在预发环境返回 500", "本地构建正常但 CI 上失败",
    ],
    "design_topic": [
        "API 网关的限流", "新 {tech} 服务的目录结构", "商品目录的缓存", "图书馆系统的数据模型",
        "评论功能的 API 契约", "移动端和网页端的认证方案", "报表的后台任务", "导出器的插件系统",
        "多租户发票的数据库结构", "公共 API 的版本管理", "审计日志",
    ],
    "choice": [
        "新服务用 {tech} 还是 {tech2}", "MVP 用单体还是微服务", "订单用 PostgreSQL 还是 MongoDB",
        "事件总线用 Kafka 还是 RabbitMQ",
    ],
    "part": [
        "REST API", "React 前端", "管理后台", "数据库迁移", "端到端测试", "推送通知", "邮件摘要",
        "基于角色的权限控制", "CI/CD 流水线", "Stripe 支付", "带筛选的搜索页", "监控和告警", "文档",
        "移动客户端", "单元测试", "数据分析看板",
    ],
    "product": [
        "我们网店的移动应用", "带支付功能的 Telegram 机器人", "诊所预约系统", "内部 CRM", "带评论的博客平台",
        "类似 Trello 的任务管理工具", "聊天应用", "库存管理系统", "在线课程平台", "外卖应用",
    ],
    "big_feature": [
        "双因素认证", "多租户", "全文搜索", "离线模式", "通知系统", "订阅计费", "单点登录", "权限系统", "国际化",
    ],
    "area": ["计费模块", "整个后端", "所有服务", "前端", "管理后台页面", "全部 30 个 API 接口", "支付流程"],
}

PREFIX = [
    "我们是一个小团队，用的是 {tech} 单体应用。", "我刚接手这个项目。", "背景：这是 2015 年的老项目。",
    "昨天有客户投诉了。", "你好！", "我折腾一上午了。", "生产环境用的是 {tech} 和 {tech2}。", "问个简单的问题。",
]
SUFFIX = ["谢谢！", "不着急。", "先谢过了。", "这个卡住了发布。", "我们用的是 {tech}，如果有关系的话。"]

FRAMES = {
    ("ask", True): [
        "什么是{concept}？", "能用简单的话解释一下{concept}吗？", "{concept2}有什么区别？",
        "{concept}底层是怎么工作的？", "{concept}有什么用？", "{file} 里的 `{func}` 是做什么的？",
        "`{error}` 一般是什么意思？只是好奇，没有东西坏掉。", "为什么这个项目用 {lib} 而不是 {lib2}？",
        "解释一下 {file} 是干什么的。", "什么时候该用{concept}，什么时候是过度设计？",
        "举个 {tech} 里{concept}的例子。", "{concept}有哪些优缺点？",
    ],
    ("coder", True): [
        "添加{small_feature}。", "请{change}。", "能帮我{change}吗？", "加上{small_feature}",
        "在 {file} 里实现 `{func}`。", "给 {file} 里的 `{func}` 写单元测试。",
        "新建一个接口 {endpoint}，返回 JSON。", "加上{small_feature}，再写个测试。",
        "写一个合并两个有序列表的函数。", "把 {file} 里写死的 URL 改成环境变量。",
        "给 {table} 模型加一个 `{column}` 字段，并在 {endpoint} 里返回。",
    ],
    ("debug", True): [
        "{symptom}，能修一下吗？", "修复这个问题：{symptom}。", "{symptom}，知道为什么吗？",
        "运行 {cmd} 时报 `{error}`。", "{file} 里抛出 `{error}`，请修复。", "为什么{symptom}？",
        "{cmd} 报错如下：\n{trace}", "这是报错堆栈：\n{trace}\n哪里出问题了？",
        "合并之后 {file} 的测试就挂了，查一下原因。", "生产环境挂了，报 `{error}`，救命！",
        "调用 {endpoint} 时返回 `{error}`。",
    ],
    ("architect", True): [
        "在写代码之前，给{design_topic}提一个设计方案。", "你会怎么设计{design_topic}？",
        "{choice}？结合我们的情况说说取舍。", "画一下{design_topic}的架构草图。",
        "{design_topic}用什么结构比较合理？", "设计{design_topic}：组件、数据流和故障场景。",
        "{design_topic}适合用什么设计模式？", "比较两种{design_topic}的方案并推荐一个。",
    ],
    ("coder", False): [
        "做一个{product}。", "从零开始开发{product}。", "端到端实现{big_feature}：{parts}。",
        "先研究一下当前项目，然后实现{big_feature}。", "给应用加上{big_feature}：{parts}。",
        "我们需要{product}，要有{parts}。", "把{area}从 {tech} 迁移到 {tech2}，并更新测试。",
        "先读代码，然后加上{big_feature}，再写测试，最后更新文档。",
        "开发{product}：\n{bullets}", "实现以下内容：\n{numbered}",
    ],
    ("architect", False): [
        "设计并规划{product}：{parts}。", "规划把{area}迁移到 {tech} 的方案：{parts}。",
        "为{area}准备从 {tech} 迁移到 {tech2} 的架构和分步迁移计划。",
        "设计{product}的整个后端，并规划实现顺序。", "为{big_feature}准备完整的技术方案：{parts}。",
    ],
    ("debug", False): [
        "升级 {tech} 之后，{area}出了好几个问题：{symptom}，还有{symptom2}。逐个排查并修复。",
        "{area}里有很多不稳定的测试，找出原因并全部修好。", "修复下面所有问题：\n{bug_bullets}",
    ],
    ("ask", False): [
        "把{area}的所有模块过一遍，逐个写清楚它做什么、有什么风险、测试覆盖如何。",
        "研究整个代码库，为每个公共模块写文档。", "分析{area}，写一份技术债报告，并给出按优先级排列的修复清单。",
    ],
}

HANDWRITTEN = [
    ("Python 的装饰器到底是怎么工作的？", "ask", True),
    ("把 .nvmrc 里的 node 版本升到 20", "coder", True),
    ("注册表单接受没有 @ 的邮箱，这是个 bug，修一下。", "debug", True),
    ("用 Go 做六边形架构的话，包应该怎么划分？", "architect", True),
    ("研究一下这个项目，然后给它做一个移动端应用。", "coder", False),
]

# Round 2 (written after the second dev-set run, which showed only aggregate figures;
# see ../README.md).
HANDWRITTEN += [
    ("`git stash pop` 遇到冲突时具体会怎样？", "ask", True),
    ("这个项目的日志是在哪里配置的？", "ask", True),
    ("把会话超时从 30 分钟改成 60 分钟。", "coder", True),
    ("表单校验通过之前，提交按钮应该是禁用的。", "coder", True),
    ("文件太大时显示一个清楚的错误提示。", "coder", True),
    ("从今天早上开始，一半用户登录不了。", "debug", True),
    ("同一个商品加两次，购物车总价就算错了。", "debug", True),
    ("写一份 ADR：订单要不要采用事件溯源。", "architect", True),
    ("设计用户、团队、项目和邀请的数据库结构。", "architect", True),
    ("做一个计费系统：套餐、试用、发票和客户自助门户。", "coder", False),
    ("用户反馈移动端网页又慢、又随机掉登录、图片还加载不出来，三个问题都查一下并修好。", "debug", False),
]

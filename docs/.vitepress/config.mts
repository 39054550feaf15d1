// The documentation site (VitePress): Chinese at the root, English under /en/, the same page paths in both, so the
// language switch lands on the same page. `npm run docs:dev` / `npm run docs:build` at the repository root.
import { defineConfig, type DefaultTheme } from 'vitepress';

type Labels = Record<string, string>;

const zh: Labels = {
  guide: '开始',
  intro: '介绍',
  quickStart: '快速开始',
  component: '组件',
  phoneButton: '&lt;phone-button&gt;',
  privacy: '隐私授权',
  transports: '传输方式',
  compatibility: '兼容性',
  client: '客户端库',
  library: '自定义按钮',
  frameworks: 'Taro 与 uni-app',
  deploy: '部署',
  server: '独立服务器',
  embedded: '嵌入 Express / Koa / fastify',
  cloudFunction: '云函数',
  cloudHosting: '云托管',
  redis: '多实例（Redis）',
  upstream: '上游与 token',
  trust: '让后端信任手机号',
  reference: '参考',
  config: '配置参考',
  errors: '错误码',
  protocol: '协议',
  faq: '排障 FAQ',
  changelog: '更新日志',
  development: '开发',
};
const en: Labels = {
  guide: 'Getting started',
  intro: 'Introduction',
  quickStart: 'Quick start',
  component: 'Component',
  phoneButton: '&lt;phone-button&gt;',
  privacy: 'The privacy tap',
  transports: 'Transports',
  compatibility: 'Compatibility',
  client: 'Client library',
  library: 'Custom buttons',
  frameworks: 'Taro and uni-app',
  deploy: 'Deploy',
  server: 'Own server',
  embedded: 'Embedded: Express / Koa / fastify',
  cloudFunction: 'Cloud function',
  cloudHosting: 'Cloud Hosting',
  redis: 'Many instances (Redis)',
  upstream: 'Upstreams and tokens',
  trust: 'Let your backend trust the number',
  reference: 'Reference',
  config: 'Configuration',
  errors: 'Error codes',
  protocol: 'Wire protocol',
  faq: 'Troubleshooting FAQ',
  changelog: 'Changelog',
  development: 'Development',
};

/** One sidebar for both languages: `prefix` is '' (Chinese) or '/en'. */
function sidebar(t: Labels, prefix: string): DefaultTheme.SidebarItem[] {
  const item = (key: string, path: string) => ({ text: t[key], link: `${prefix}${path}` });
  return [
    { text: t.guide, items: [item('intro', '/guide/introduction'), item('quickStart', '/guide/quick-start')] },
    {
      text: t.component,
      items: [
        item('phoneButton', '/component/phone-button'),
        item('privacy', '/component/privacy'),
        item('transports', '/component/transports'),
        item('compatibility', '/component/compatibility'),
      ],
    },
    { text: t.client, items: [item('library', '/client/library'), item('frameworks', '/client/frameworks')] },
    {
      text: t.deploy,
      items: [
        item('server', '/deploy/server'),
        item('embedded', '/deploy/embedded'),
        item('cloudFunction', '/deploy/cloud-function'),
        item('cloudHosting', '/deploy/cloud-hosting'),
        item('redis', '/deploy/redis'),
        item('upstream', '/deploy/upstream'),
      ],
    },
    { text: t.trust, items: [item('trust', '/trust/assertions')] },
    {
      text: t.reference,
      items: [item('config', '/reference/config'), item('errors', '/reference/errors'), item('protocol', '/reference/protocol')],
    },
    { text: t.faq, items: [item('faq', '/faq'), item('changelog', '/changelog'), item('development', '/guide/development')] },
  ];
}

function nav(t: Labels, prefix: string): DefaultTheme.NavItem[] {
  return [
    { text: t.quickStart, link: `${prefix}/guide/quick-start` },
    { text: t.component, link: `${prefix}/component/phone-button` },
    { text: t.deploy, link: `${prefix}/deploy/server` },
    { text: t.reference, link: `${prefix}/reference/config` },
    { text: t.faq, link: `${prefix}/faq` },
  ];
}

export default defineConfig({
  title: 'miniprogram-phone-button',
  cleanUrls: false,
  lastUpdated: false,
  // The site is served from one origin by `npm run docs:test`; every link must resolve, so dead links fail the build.
  ignoreDeadLinks: false,
  head: [
    ['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }],
    ['meta', { name: 'theme-color', content: '#07c160' }],
  ],
  locales: {
    root: {
      label: '简体中文',
      lang: 'zh-CN',
      description: '微信小程序手机号快捷登录组件 <phone-button> 与它的后端代理',
      themeConfig: {
        nav: nav(zh, ''),
        sidebar: sidebar(zh, ''),
        outline: { label: '本页目录', level: [2, 3] },
        docFooter: { prev: '上一页', next: '下一页' },
        langMenuLabel: '切换语言',
        returnToTopLabel: '回到顶部',
        sidebarMenuLabel: '目录',
        darkModeSwitchLabel: '深色模式',
      },
    },
    en: {
      label: 'English',
      lang: 'en-US',
      link: '/en/',
      description: 'A WeChat mini program <phone-button> and its backend proxy',
      themeConfig: { nav: nav(en, '/en'), sidebar: sidebar(en, '/en'), outline: { level: [2, 3] } },
    },
  },
  themeConfig: {
    search: {
      provider: 'local',
      options: {
        locales: {
          root: {
            translations: {
              button: { buttonText: '搜索文档', buttonAriaLabel: '搜索文档' },
              modal: {
                noResultsText: '没有找到结果',
                resetButtonTitle: '清除查询',
                footer: { selectText: '选择', navigateText: '切换', closeText: '关闭' },
              },
            },
          },
        },
      },
    },
  },
});

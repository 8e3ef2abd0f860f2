import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify, { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { AventianApiError, AventianAuthorizer, AventianClient, requirePrivilegeHook } from '@avn/client';
import type { AuthorizedUser } from '@avn/client';
// The package's `@aventian/client/nest` entry point.
import { AventianModule, AventianUser, RequirePrivilege } from '../../libs/client/src/nest';
import { SessionsService } from '@avn/identity';
import { startTestApp, TestApp } from '@avn/testing';
import { DetailsFixture } from './fixture';

/** The integrator SDK against the real control plane, used by tiny sample product backends. */
describe('@aventian/client SDK', () => {
  let t: TestApp;
  let f: DetailsFixture;
  let baseUrl: string;
  let orders: { id: string; key: string };
  let team: string;
  let ada: string; // holds orders:read + orders:write
  let owner: string; // team owner, revokes roles through the real RBAC API
  let adaToken: string;
  let ownerToken: string;
  let product: NestFastifyApplication;
  let productUrl: string;
  let plain: FastifyInstance;
  let plainUrl: string;

  beforeAll(async () => {
    t = await startTestApp();
    f = new DetailsFixture(t);
    baseUrl = `http://127.0.0.1:${(t.api.app.getHttpServer().address() as AddressInfo).port}`;
    orders = await f.product('orders', ['orders:read', 'orders:write', 'orders:delete']);
    team = await f.team('Acme', [{ productId: orders.id }]);
    await f.role(team, 'orders.writer', ['orders:write']);
    await f.role(team, 'orders.reader', ['orders:read']);
    ada = await f.user('ada@example.com');
    owner = await f.user('owner@example.com');
    await f.member(team, ada, ['orders.writer', 'orders.reader']);
    await f.member(team, owner, ['team_owner']);
    const sessions = t.api.app.get(SessionsService, { strict: false });
    adaToken = (await sessions.issueTokens(ada, team)).accessToken;
    ownerToken = (await sessions.issueTokens(owner, team)).accessToken;

    // Sample product backend #1: NestJS with the SDK guard.
    @Controller('orders')
    class OrdersController {
      @Get()
      @RequirePrivilege('orders:read')
      list(@AventianUser() user: AuthorizedUser) {
        return { userId: user.userId, teamId: user.teamId, privileges: user.team.privileges };
      }

      @Post()
      @RequirePrivilege('orders:write')
      create() {
        return { created: true };
      }

      @Post('purge')
      @RequirePrivilege('orders:delete')
      purge() {
        return { purged: true };
      }
    }
    @Module({ imports: [AventianModule.forRoot({ baseUrl, productKey: orders.key })], controllers: [OrdersController] })
    class ProductModule {}
    product = await NestFactory.create<NestFastifyApplication>(ProductModule, new FastifyAdapter(), { logger: false });
    await product.listen(0, '127.0.0.1');
    productUrl = `http://127.0.0.1:${(product.getHttpServer().address() as AddressInfo).port}`;

    // Sample product backend #2: plain Fastify with the preHandler hook.
    const authorizer = new AventianAuthorizer({ baseUrl, productKey: orders.key });
    plain = Fastify();
    plain.post('/orders', { preHandler: requirePrivilegeHook(authorizer, 'orders:write') }, async () => ({ created: true }));
    await plain.listen({ port: 0, host: '127.0.0.1' });
    plainUrl = `http://127.0.0.1:${(plain.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await plain?.close();
    await product?.close();
    await t?.close();
  });

  const call = (url: string, method: 'GET' | 'POST', token?: string) =>
    fetch(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('lets a user with the privilege in, and answers 403 without it', async () => {
    const list = await call(`${productUrl}/orders`, 'GET', adaToken);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ userId: ada, teamId: team, privileges: ['orders:read', 'orders:write'] });
    expect((await call(`${productUrl}/orders`, 'POST', adaToken)).status).toBe(201);
    const purge = await call(`${productUrl}/orders/purge`, 'POST', adaToken);
    expect(purge.status).toBe(403);
    expect(((await purge.json()) as { error: string }).error).toBe('FORBIDDEN');
  });

  it('answers 401 without a token or with a token it cannot verify', async () => {
    expect((await call(`${productUrl}/orders`, 'GET')).status).toBe(401);
    const forged = adaToken.slice(0, -4) + (adaToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await call(`${productUrl}/orders`, 'GET', forged)).status).toBe(401);
    expect((await call(`${plainUrl}/orders`, 'POST')).status).toBe(401);
  });

  it('a revoke through the RBAC API takes effect on the product next request (Nest guard and Fastify hook)', async () => {
    expect((await call(`${productUrl}/orders`, 'POST', adaToken)).status).toBe(201);
    expect((await call(`${plainUrl}/orders`, 'POST', adaToken)).status).toBe(200);
    await t.http.delete(`/v1/teams/${team}/members/${ada}/roles/orders.writer`).set('authorization', `Bearer ${ownerToken}`).expect(204);
    expect((await call(`${productUrl}/orders`, 'POST', adaToken)).status).toBe(403);
    expect((await call(`${plainUrl}/orders`, 'POST', adaToken)).status).toBe(403);
    expect((await call(`${productUrl}/orders`, 'GET', adaToken)).status).toBe(200);
  });

  it('client: typed GetUserDetails, errors, and an opt-in short cache the caller controls', async () => {
    const client = new AventianClient({ baseUrl, productKey: orders.key, detailsCacheTtlMs: 60_000 });
    const details = await client.getUserDetails(ada);
    expect(details.product).toBe('orders');
    expect(details.teams[0].teamId).toBe(team);
    await expect(client.getUserDetails('0190f2a4-0000-7000-8000-000000000000')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(new AventianClient({ baseUrl, productKey: 'avn_pk_' + 'z'.repeat(43) }).getUserDetails(ada)).rejects.toBeInstanceOf(
      AventianApiError,
    );

    // With a TTL the product sees a change only after it expires (or clearCache): documented trade-off.
    await t.http.post(`/v1/teams/${team}/members/${ada}/roles/orders.writer`).set('authorization', `Bearer ${ownerToken}`).expect(201);
    expect((await client.getUserDetails(ada)).teams[0].privileges).toEqual(['orders:read']);
    client.clearCache(ada);
    expect((await client.getUserDetails(ada)).teams[0].privileges).toEqual(['orders:read', 'orders:write']);
  });
});

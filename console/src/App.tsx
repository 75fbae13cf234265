import { AppShell, Button, Center, Group, Loader, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, ok, setCsrfToken, whenSignedOut, type Schemas } from './api/client';
import { IntegrationDetails } from './pages/IntegrationDetails';
import { IntegrationForm } from './pages/IntegrationForm';
import { IntegrationsList } from './pages/IntegrationsList';
import { Credentials } from './pages/Credentials';
import { Events } from './pages/Events';
import { ExternalMappings } from './pages/ExternalMappings';
import { RunDetail } from './pages/RunDetail';
import { Runs } from './pages/Runs';
import { Reconciliations, ReconciliationRunPage } from './pages/Reconciliation';
import { BackfillPage } from './pages/Backfill';
import { BillPreview } from './pages/BillPreview';
import { OverviewPage } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { Link, routeOf, usePath } from './router';

export type Session = Schemas['ConsoleSession'];

export const SESSION_KEY = ['session'] as const;

/** Signed in → the page of the URL; not signed in (or the session ended) → the sign-in page. */
export function App() {
  const queryClient = useQueryClient();
  const path = usePath();
  const session = useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<Session | null> => {
      const result = await api.GET('/auth/session');
      if (result.response.status === 401) return null;
      return ok(result);
    },
  });
  useEffect(() => {
    whenSignedOut(() => queryClient.setQueryData(SESSION_KEY, null));
  }, [queryClient]);
  useEffect(() => {
    setCsrfToken(session.data?.csrfToken ?? null);
  }, [session.data]);
  const signOut = useMutation({
    mutationFn: async () => ok(await api.DELETE('/auth/session')),
    onSettled: () => {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, null);
    },
  });

  if (session.isPending)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  if (!session.data) return <SignIn />;

  const route = routeOf(path);
  return (
    <AppShell header={{ height: { base: 96, sm: 56 } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" py={4} justify="space-between" wrap="nowrap" align="center">
          <Group gap="lg" wrap="wrap" style={{ minWidth: 0, rowGap: 4 }}>
            <Title order={1} size="h4">
              <Link to="/">m3ter → QuickBooks</Link>
            </Title>
            <Group gap="md" component="nav" aria-label="Pages" wrap="wrap" style={{ rowGap: 2 }}>
              <Link to="/overview">Overview</Link>
              <Link to="/">Configurations</Link>
              <Link to="/credentials">Credentials</Link>
              <Link to="/runs">Runs</Link>
              <Link to="/events">Events</Link>
              <Link to="/external-mappings">External mappings</Link>
            </Group>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" c="dimmed" visibleFrom="sm">
              Signed in ({session.data.actor})
            </Text>
            <Button variant="default" size="xs" onClick={() => signOut.mutate()} loading={signOut.isPending}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main maw={1200} mx="auto">
        {route.page === 'list' && <IntegrationsList />}
        {route.page === 'new' && <IntegrationForm />}
        {route.page === 'edit' && <IntegrationForm id={route.id} />}
        {route.page === 'details' && <IntegrationDetails id={route.id} />}
        {route.page === 'credentials' && <Credentials />}
        {route.page === 'runs' && <Runs />}
        {route.page === 'events' && <Events />}
        {route.page === 'external-mappings' && <ExternalMappings />}
        {route.page === 'run' && <RunDetail id={route.id} />}
        {route.page === 'reconciliations' && <Reconciliations id={route.id} />}
        {route.page === 'reconciliation' && <ReconciliationRunPage runId={route.runId} />}
        {route.page === 'backfill' && <BackfillPage id={route.id} />}
        {route.page === 'overview' && <OverviewPage />}
        {route.page === 'preview' && <BillPreview id={route.id} />}
        {route.page === 'not-found' && (
          <Text>
            No such page. <Link to="/">Back to the configurations</Link>
          </Text>
        )}
      </AppShell.Main>
    </AppShell>
  );
}
